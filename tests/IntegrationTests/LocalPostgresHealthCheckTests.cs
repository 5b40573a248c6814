using Aspire.Hosting.Testing;
using Npgsql;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// The AppHost asks its local PostgreSQL whether it answers every few seconds, on the server's own database
/// (<c>postgres</c>, which no service uses): over one kept connection, not a new backend process per question.
/// </summary>
[Collection(PlatformCollection.Name)]
public class LocalPostgresHealthCheckTests(PlatformFixture platform)
{
    private sealed record DatabaseStatistics(long Sessions, long Transactions);

    [Fact]
    public async Task The_apphosts_check_of_postgres_keeps_its_connection_instead_of_opening_one_per_check()
    {
        // Read from another database, so that this test's own connection is not counted.
        await using var connection = new NpgsqlConnection(await platform.App.GetConnectionStringAsync("catalogdb") + ";Pooling=false");
        await connection.OpenAsync();
        var before = await ServerDatabaseAsync(connection);

        // A check over a kept connection is one transaction there (SELECT 1), a check that connects first a few more;
        // the AppHost checks every few seconds.
        var after = await Eventually.UntilAsync(() => ServerDatabaseAsync(connection),
            now => now.Transactions >= before.Transactions + 3, TimeSpan.FromMinutes(2), "three more transactions of the AppHost's checks");

        Assert.True(after.Sessions - before.Sessions <= 1,
            $"{after.Sessions - before.Sessions} new sessions over {after.Transactions - before.Transactions} transactions of the checks");
    }

    private static async Task<DatabaseStatistics> ServerDatabaseAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            "SELECT sessions, xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'postgres'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new DatabaseStatistics(reader.GetInt64(0), reader.GetInt64(1));
    }
}
