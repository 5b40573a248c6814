using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using TestSupport;

namespace BuildingBlocks.Tests;

/// <summary>
/// A service's Redis connection as the service defaults and <see cref="ServiceRedis.AddServiceRedis"/> set it up, against a
/// real redis-server that freezes (SIGSTOP): readiness says so within its timeout, and a stop does not wait for it.
/// </summary>
public sealed class ServiceRedisTests : IAsyncLifetime
{
    private readonly LocalServers _servers = LocalServers.RedisOnly();

    public Task InitializeAsync() => _servers.InitializeAsync();

    public Task DisposeAsync() => _servers.DisposeAsync(); // thaws a server a failed test left frozen

    [Fact]
    public async Task Readiness_reports_a_frozen_redis_unhealthy_within_the_checks_timeout_not_the_clients()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // A minute for each answer: a check that waited for the client's timeout could not answer before the deadline below.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = _servers.RedisConnectionString + ",syncTimeout=60000,asyncTimeout=60000",
        });
        builder.AddServiceDefaults();
        builder.AddServiceRedis("redis");
        using var host = builder.Build();
        await host.StartAsync();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        var before = (await health.CheckHealthAsync()).Entries["redis"];
        Assert.Equal(HealthStatus.Healthy, before.Status);
        Assert.Contains(Microsoft.Extensions.Hosting.Extensions.ReadyTag, before.Tags);

        _servers.FreezeRedis();
        try
        {
            var frozen = (await health.CheckHealthAsync().WaitAsync(TimeSpan.FromSeconds(30))).Entries["redis"];
            Assert.Equal(HealthStatus.Unhealthy, frozen.Status);
        }
        finally
        {
            _servers.ThawRedis();
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task The_service_defaults_close_the_redis_connection_after_a_stop_without_waiting_for_a_frozen_redis()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddServiceDefaults();
        // A minute for each answer: disposing the connection sends QUIT and waits for it that long.
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ =>
            ConnectionMultiplexer.Connect(_servers.RedisConnectionString + ",syncTimeout=60000,asyncTimeout=60000"));
        var host = builder.Build();
        await host.StartAsync();
        var redis = host.Services.GetRequiredService<IConnectionMultiplexer>();
        await redis.GetDatabase().PingAsync();

        _servers.FreezeRedis();
        try
        {
            var pending = redis.GetDatabase().PingAsync(); // a command still waiting when the host stops
            await host.StopAsync();
            var disposal = Task.Run(host.Dispose);
            await Eventually.TrueAsync(() => Task.FromResult(disposal.IsCompleted),
                "the host and its Redis connection to be disposed while Redis is frozen", TimeSpan.FromSeconds(30));
            await disposal;
            Assert.False(redis.IsConnected);
            await Assert.ThrowsAnyAsync<Exception>(() => pending); // failed at the close, not answered
        }
        finally
        {
            _servers.ThawRedis();
        }
    }
}
