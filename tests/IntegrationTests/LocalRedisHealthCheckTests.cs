using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace IntegrationTests;

/// <summary>
/// The AppHost's health check of its local redis-server asks over one multiplexer it keeps, not a new one (two
/// connections and their handshakes) per question.
/// </summary>
[Collection(PlatformCollection.Name)]
public class LocalRedisHealthCheckTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_apphosts_check_of_redis_keeps_its_connection_instead_of_opening_one_per_check()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await platform.App.GetConnectionStringAsync("redis") + ",allowAdmin=true");
        var server = redis.GetServers().Single();
        var before = await ConnectionsReceivedAsync(server);

        // The AppHost's own check, asked three times in a row (Aspire also runs it on its own, periodically).
        var checks = platform.App.Services.GetRequiredService<HealthCheckService>();
        for (var i = 0; i < 3; i++)
        {
            var report = await checks.CheckHealthAsync(check => check.Name == "redis_local_check");
            Assert.Equal(HealthStatus.Healthy, report.Status);
        }

        // One at most: the check's multiplexer reconnecting, or a service's; a new multiplexer per check would be six.
        var after = await ConnectionsReceivedAsync(server);
        Assert.True(after - before <= 1, $"{after - before} new connections to redis-server for three checks");
    }

    private static async Task<long> ConnectionsReceivedAsync(IServer server) =>
        long.Parse((await server.InfoAsync("stats")).SelectMany(group => group)
            .Single(pair => pair.Key == "total_connections_received").Value, System.Globalization.CultureInfo.InvariantCulture);
}
