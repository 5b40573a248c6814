using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Polly;
using Polly.Retry;

namespace BuildingBlocks.Data;

/// <summary>
/// Applies a context's migrations (and an optional seed) before the service starts answering.
/// Replicas that start together serialise on a PostgreSQL advisory lock held by the migrating
/// session, so exactly one migrates and seeds and the others find the work done. Transient failures
/// (the database still starting) are retried.
/// </summary>
public sealed class DatabaseMigrator<TContext>(
    IServiceProvider services,
    Func<IServiceProvider, CancellationToken, Task>? seed = null) : IHostedService
    where TContext : DbContext
{
    // Stable across processes and replicas (string.GetHashCode is randomised per process).
    private static readonly long LockKey = StableHash(typeof(TContext).FullName!);

    private static readonly ResiliencePipeline Retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e.IsTransient).Handle<TimeoutException>(),
            MaxRetryAttempts = 10,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(250),
            MaxDelay = TimeSpan.FromSeconds(5),
        })
        .Build();

    public Task StartAsync(CancellationToken cancellationToken) => Retry.ExecuteAsync(async token =>
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();

        await db.Database.RunExclusiveAsync(LockKey, async () =>
        {
            await db.Database.MigrateAsync(token);
            if (seed is not null)
            {
                // In the migrating scope, so the seed's writes (and outbox events) use the same context.
                await seed(scope.ServiceProvider, token);
            }
        }, token);
    }, cancellationToken).AsTask();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

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

public static class DatabaseMigratorExtensions
{
    /// <summary>
    /// Migrates <typeparamref name="TContext"/> (then runs <paramref name="seed"/> with the migrating
    /// scope's services) at start-up, once across replicas.
    /// </summary>
    public static IServiceCollection AddDatabaseMigrator<TContext>(
        this IServiceCollection services, Func<IServiceProvider, CancellationToken, Task>? seed = null)
        where TContext : DbContext =>
        services.AddHostedService(sp => new DatabaseMigrator<TContext>(sp, seed));
}
