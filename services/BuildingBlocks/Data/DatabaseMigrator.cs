using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql.EntityFrameworkCore.PostgreSQL;

namespace BuildingBlocks.Data;

/// <summary>
/// Applies a context's migrations (and an optional seed) before the service starts answering.
/// Replicas that start together serialise on a PostgreSQL advisory lock held by the migrating
/// session, so exactly one migrates and seeds and the others find the work done.
/// A database that is away or frozen at start-up neither ends the process nor keeps it from starting:
/// after the first failed attempt (one connect timeout; or <see cref="StartupWait"/>, as a command sent to a server that
/// froze after it connected waits for the command timeout and may not be cancellable) the start goes on, the migration is retried in the background (any
/// failure, backing off to <see cref="MaxRetryDelay"/>) and readiness reports the context Unhealthy
/// until it is applied; event handlers wait for it (<see cref="DatabaseMigrationStatus.AllAppliedAsync"/>).
/// </summary>
public sealed class DatabaseMigrator<TContext>(
    IServiceProvider services,
    Func<IServiceProvider, CancellationToken, Task>? seed = null) : IHostedService
    where TContext : DbContext
{
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    /// <summary>How long the start waits for the migration at most; a healthy database needs a few seconds.</summary>
    public static readonly TimeSpan StartupWait = TimeSpan.FromSeconds(30);

    // Stable across processes and replicas (string.GetHashCode is randomised per process).
    private static readonly long LockKey = StableHash(typeof(TContext).FullName!);

    private readonly ILogger _logger = services.GetService<ILogger<DatabaseMigrator<TContext>>>() ?? NullLogger<DatabaseMigrator<TContext>>.Instance;
    // Not disposed: the host may call StopAsync after the container disposed its singletons.
    private readonly CancellationTokenSource _stopping = new();
    private Task _run = Task.CompletedTask;

    public DatabaseMigrationStatus Status { get; } = new(typeof(TContext).Name);

    /// <summary>Returns once the migration is applied, its first attempt failed or <see cref="StartupWait"/> passed (it then goes on in the background).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _run = RunAsync(_stopping.Token);
        await Task.WhenAny(Status.Applied, Status.FirstFailure, Task.Delay(StartupWait, cancellationToken)).WaitAsync(cancellationToken);
        if (!Status.Applied.IsCompleted)
        {
            _logger.LogWarning("Starting without the {Context} migrations applied; not ready until they are", Status.Context);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _run.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await MigrateAsync(stoppingToken);
                Status.MarkApplied();
                if (attempt > 1)
                {
                    _logger.LogInformation("Applied the {Context} migrations after {Attempts} attempts", Status.Context, attempt);
                }

                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database still starting, away, frozen past a timeout, or anything else: stay up, say so, try again.
                Status.MarkFailed(ex);
                _logger.LogWarning(ex, "Could not apply the {Context} migrations (attempt {Attempt}); retrying in {Delay}", Status.Context, attempt, delay);
            }

            await Task.Delay(delay + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250)), stoppingToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();

        // One try per attempt: inside a strategy that is already running, the context's own retrying strategy runs
        // each operation once, so a database that is away fails the attempt after one connect timeout, and this
        // loop's back-off is the only one (nested, the context's six retries made a first attempt last 30 s).
        await new NpgsqlRetryingExecutionStrategy(db, maxRetryCount: 0).ExecuteAsync(cancellationToken, token =>
            db.Database.RunExclusiveAsync(LockKey, async () =>
            {
                // Npgsql's migrator reads the history table before it creates it, and EF Core logs that failed read as
                // an error in every service on a new database (npgsql/efcore.pg#3407): create it first, as it would.
                await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), token);
                await db.Database.MigrateAsync(token);
                if (seed is not null)
                {
                    // In the migrating scope, so the seed's writes (and outbox events) use the same context.
                    await seed(scope.ServiceProvider, token);
                }
            }, token));
    }

    private static long StableHash(string text)
    {
        // FNV-1a, 64 bit.
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return unchecked((long)hash);
    }
}

/// <summary>Whether one context's migrations are applied, as a readiness check and as a task to wait on.</summary>
public sealed class DatabaseMigrationStatus(string context) : IHealthCheck
{
    private readonly TaskCompletionSource _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstFailure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Exception? _lastError;

    public string Context { get; } = context;

    public Task Applied => _applied.Task;

    internal Task FirstFailure => _firstFailure.Task;

    internal void MarkApplied() => _applied.TrySetResult();

    internal void MarkFailed(Exception error)
    {
        _lastError = error;
        _firstFailure.TrySetResult();
    }

    /// <summary>Completes once every migration registered in this process is applied.</summary>
    public static Task AllAppliedAsync(IEnumerable<DatabaseMigrationStatus> statuses, CancellationToken cancellationToken) =>
        Task.WhenAll(statuses.Select(s => s.Applied)).WaitAsync(cancellationToken);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Applied.IsCompleted
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy(_lastError is { } error
                ? $"{Context} migrations not applied yet; last attempt: {error.GetBaseException().Message}"
                : $"{Context} migrations not applied yet"));
}

public static class DatabaseMigratorExtensions
{
    /// <summary>
    /// Migrates <typeparamref name="TContext"/> (then runs <paramref name="seed"/> with the migrating
    /// scope's services) at start-up, once across replicas, and reports it in readiness.
    /// </summary>
    public static IServiceCollection AddDatabaseMigrator<TContext>(
        this IServiceCollection services, Func<IServiceProvider, CancellationToken, Task>? seed = null)
        where TContext : DbContext
    {
        services.AddSingleton(sp => new DatabaseMigrator<TContext>(sp, seed));
        services.AddHostedService(sp => sp.GetRequiredService<DatabaseMigrator<TContext>>());
        services.AddSingleton(sp => sp.GetRequiredService<DatabaseMigrator<TContext>>().Status);
        services.AddHealthChecks().Add(new HealthCheckRegistration($"{typeof(TContext).Name} migrations",
            sp => sp.GetRequiredService<DatabaseMigrator<TContext>>().Status, HealthStatus.Unhealthy, [Microsoft.Extensions.Hosting.Extensions.ReadyTag]));
        return services;
    }
}
