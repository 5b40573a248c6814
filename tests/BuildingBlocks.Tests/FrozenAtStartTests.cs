using BuildingBlocks.Data;
using BuildingBlocks.EventBus;
using BuildingBlocks.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using TestSupport;

namespace BuildingBlocks.Tests;

/// <summary>A Redis frozen while a service starts (SIGSTOP past the client timeouts, then SIGCONT) ends no host.</summary>
public sealed class RedisFrozenAtStartTests : IAsyncLifetime
{
    private readonly LocalServers _servers = LocalServers.RedisOnly();

    public Task InitializeAsync() => _servers.InitializeAsync();

    public async Task DisposeAsync()
    {
        _servers.ThawRedis(); // never leave a stopped process behind, whatever failed
        await _servers.DisposeAsync();
    }

    [Fact]
    public async Task The_consumer_started_against_a_frozen_redis_keeps_the_host_running_and_delivers_once_it_thaws()
    {
        var probe = new HandlerProbe();
        // A client of our own with a 1 s timeout, connected before the freeze.
        await using var watcher = await ConnectionMultiplexer.ConnectAsync(_servers.RedisConnectionString + ",syncTimeout=1000,asyncTimeout=1000");
        _servers.FreezeRedis();
        IHost host;
        try
        {
            host = await BusHost.StartAsync(_servers, $"g{Guid.NewGuid():N}"[..12],
                bus => bus.Subscribe<PublishedEvent, ProbeHandler<PublishedEvent>>(),
                services => services.AddSingleton(probe));
            // Seven timeouts of 1 s in turn after the start: the consumer's first commands (5 s timeout) have failed by then.
            var timeouts = 0;
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    await watcher.GetDatabase().PingAsync();
                }
                catch (Exception ex) when (ex is RedisTimeoutException or RedisConnectionException or TaskCanceledException)
                {
                    timeouts++;
                }

                return timeouts >= 7;
            }, "Redis to stay frozen past the clients' timeouts", TimeSpan.FromMinutes(1));
        }
        finally
        {
            _servers.ThawRedis();
        }

        try
        {
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host began to stop during the freeze");
            var sent = new PublishedEvent("after-start-freeze", 1);
            await Eventually.TrueAsync(async () =>
            {
                await host.Services.GetRequiredService<IEventPublisher>().PublishAsync(CloudEvent.Create(sent, "tests", "after-freeze"), CancellationToken.None);
                return true;
            }, "the publisher to reach Redis again", TimeSpan.FromMinutes(1));
            await Eventually.TrueAsync(() => probe.Handled.Any(h => h.Event == sent), "the event published after the freeze to be handled", TimeSpan.FromMinutes(1));
            Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host began to stop after the freeze");
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}

/// <summary>
/// A PostgreSQL frozen while a service starts: the migrator neither ends the host nor holds its start, reports
/// the context not ready, and applies the migration (and seed) once the database answers again.
/// </summary>
public sealed class PostgresFrozenAtStartTests : IAsyncLifetime
{
    private readonly LocalServers _servers = new();

    public Task InitializeAsync() => _servers.InitializeAsync();

    public async Task DisposeAsync()
    {
        _servers.ThawPostgres(); // never leave a stopped process behind, whatever failed
        await _servers.DisposeAsync();
    }

    [Fact]
    public async Task The_migrator_lets_the_host_start_reports_not_ready_and_migrates_once_the_database_thaws()
    {
        // The test's client timeout (2 s) keeps the first attempt short; the production default is 15 s.
        var database = await _servers.CreateDatabaseAsync() + ";Timeout=2";
        var seeded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDbContext<EmptyContext>(options => options.UseNpgsql(database));
        builder.Services.AddDatabaseMigrator<EmptyContext>((_, _) =>
        {
            seeded.TrySetResult();
            return Task.CompletedTask;
        });
        using var host = builder.Build();

        _servers.FreezePostgres();
        try
        {
            var start = host.StartAsync();
            await Eventually.TrueAsync(() => start.IsCompleted, "the host to finish starting while PostgreSQL is frozen", TimeSpan.FromMinutes(1));
            await start;

            var health = host.Services.GetRequiredService<HealthCheckService>();
            var report = await health.CheckHealthAsync();
            Assert.Equal(HealthStatus.Unhealthy, report.Entries["EmptyContext migrations"].Status);
            Assert.False(seeded.Task.IsCompleted);
            Assert.False(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        }
        finally
        {
            _servers.ThawPostgres();
        }

        try
        {
            await host.Services.GetRequiredService<DatabaseMigrator<EmptyContext>>().Status.Applied.WaitAsync(TimeSpan.FromMinutes(1));
            Assert.True(seeded.Task.IsCompleted);
            var after = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
            Assert.Equal(HealthStatus.Healthy, after.Entries["EmptyContext migrations"].Status);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>A context without tables: migrating it still needs the database (history table, the advisory lock).</summary>
    private sealed class EmptyContext(DbContextOptions<EmptyContext> options) : DbContext(options);
}
