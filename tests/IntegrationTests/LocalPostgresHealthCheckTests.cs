using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace IntegrationTests;

/// <summary>
/// The AppHost's health check of its local PostgreSQL asks on the server's own database (<c>postgres</c>, which no
/// service uses): over one kept connection, not a new backend process per question.
/// </summary>
[Collection(PlatformCollection.Name)]
public class LocalPostgresHealthCheckTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_apphosts_check_of_postgres_keeps_its_connection_instead_of_opening_one_per_check()
    {
        // Read from another database, so that this test's own connection is not counted.
        await using var connection = new NpgsqlConnection(await platform.App.GetConnectionStringAsync("catalogdb") + ";Pooling=false");
        await connection.OpenAsync();
        var before = await SessionsOnServerDatabaseAsync(connection);

        // The AppHost's own checks, asked three times in a row (Aspire also runs them on its own, periodically).
        var checks = platform.App.Services.GetRequiredService<HealthCheckService>();
        for (var i = 0; i < 3; i++)
        {
            var report = await checks.CheckHealthAsync(check => check.Name == "postgres_local_check");
            Assert.Equal(HealthStatus.Healthy, report.Status);
        }

        // A backend that ended has counted its session; the kept one counted its own when it began.
        var after = await SessionsOnServerDatabaseAsync(connection);
        Assert.True(after - before <= 1, $"{after - before} new sessions on the server's database for three checks");
    }

    private static async Task<long> SessionsOnServerDatabaseAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT sessions FROM pg_stat_database WHERE datname = 'postgres'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
