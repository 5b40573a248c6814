using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using TestSupport;

namespace BuildingBlocks.Tests;

/// <summary>A service's Redis as <see cref="ServiceRedis.AddServiceRedis"/> registers it, against a real redis-server.</summary>
public sealed class ServiceRedisTests : IAsyncLifetime
{
    private readonly LocalServers _servers = LocalServers.RedisOnly();

    public Task InitializeAsync() => _servers.InitializeAsync();

    public async Task DisposeAsync()
    {
        _servers.ThawRedis(); // never leave a stopped process behind, whatever failed
        await _servers.DisposeAsync();
    }

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
}
