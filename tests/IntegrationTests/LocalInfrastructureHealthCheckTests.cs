using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using StackExchange.Redis;

namespace IntegrationTests;

/// <summary>
/// The AppHost's health checks of its local PostgreSQL and redis-server each ask over one connection they keep, not a
/// new one per question (for PostgreSQL a backend process, for Redis a multiplexer's two connections and handshakes).
/// </summary>
[Collection(PlatformCollection.Name)]
public class LocalInfrastructureHealthCheckTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_apphosts_check_of_postgres_keeps_its_connection_instead_of_opening_one_per_check()
    {
        // Read from another database, so that this test's own connection is not counted. Asks on the server's own
        // database (postgres), which no service uses.
        await using var connection = new NpgsqlConnection(await platform.App.GetConnectionStringAsync("catalogdb") + ";Pooling=false");
        await connection.OpenAsync();
        var before = await SessionsOnServerDatabaseAsync(connection);

        await AskThreeTimesAsync("postgres_local_check");

        // A backend that ended has counted its session; the kept one counted its own when it began.
        var after = await SessionsOnServerDatabaseAsync(connection);
        Assert.True(after - before <= 1, $"{after - before} new sessions on the server's database for three checks");
    }

    [Fact]
    public async Task The_apphosts_check_of_redis_keeps_its_connection_instead_of_opening_one_per_check()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await platform.App.GetConnectionStringAsync("redis") + ",allowAdmin=true");
        var server = redis.GetServers().Single();
        var before = await ConnectionsReceivedAsync(server);

        await AskThreeTimesAsync("redis_local_check");

        // One at most: the check's multiplexer reconnecting, or a service's; a new multiplexer per check would be six.
        var after = await ConnectionsReceivedAsync(server);
        Assert.True(after - before <= 1, $"{after - before} new connections to redis-server for three checks");
    }

    /// <summary>The AppHost's own check, asked three times in a row (Aspire also runs it on its own, periodically).</summary>
    private async Task AskThreeTimesAsync(string check)
    {
        var checks = platform.App.Services.GetRequiredService<HealthCheckService>();
        for (var i = 0; i < 3; i++)
        {
            var report = await checks.CheckHealthAsync(registration => registration.Name == check);
            Assert.Equal(HealthStatus.Healthy, report.Status);
        }
    }

    private static async Task<long> SessionsOnServerDatabaseAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT sessions FROM pg_stat_database WHERE datname = 'postgres'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> ConnectionsReceivedAsync(IServer server) =>
        long.Parse((await server.InfoAsync("stats")).SelectMany(group => group)
            .Single(pair => pair.Key == "total_connections_received").Value, System.Globalization.CultureInfo.InvariantCulture);
}
