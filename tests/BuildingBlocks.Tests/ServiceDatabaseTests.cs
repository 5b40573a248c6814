using BuildingBlocks.Data;
using Npgsql;

namespace BuildingBlocks.Tests;

public class ServiceDatabaseTests
{
    [Fact]
    public void A_service_connection_prepares_its_frequent_statements_and_is_still_reset_on_return_to_the_pool()
    {
        var tuned = new NpgsqlConnectionStringBuilder(ServiceDatabase.WithPreparedStatements("Host=db;Database=orders;Username=app"));

        Assert.True(tuned.MaxAutoPrepare > 0);
        Assert.False(tuned.NoResetOnClose);
        Assert.Equal(("db", "orders", "app"), (tuned.Host, tuned.Database, tuned.Username));
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0")]
    [InlineData("Host=db;MaxAutoPrepare=0")]
    public void What_the_connection_string_says_wins(string given) =>
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(ServiceDatabase.WithPreparedStatements(given)).MaxAutoPrepare);

    [Fact]
    public void No_connection_string_stays_none() => Assert.Null(ServiceDatabase.WithPreparedStatements(null));
}
