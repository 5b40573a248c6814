using BuildingBlocks.Data;
using Npgsql;

namespace BuildingBlocks.Tests;

public class ServiceDatabaseTests
{
    [Fact]
    public void A_service_connection_is_not_reset_on_return_to_the_pool_and_prepares_its_frequent_statements()
    {
        var tuned = new NpgsqlConnectionStringBuilder(ServiceDatabase.ForShortTransactions("Host=db;Database=orders;Username=app"));

        Assert.True(tuned.NoResetOnClose);
        Assert.True(tuned.MaxAutoPrepare > 0);
        Assert.Equal(("db", "orders", "app"), (tuned.Host, tuned.Database, tuned.Username));
    }

    [Theory]
    [InlineData("Host=db;No Reset On Close=false;Max Auto Prepare=0")]
    [InlineData("Host=db;NoResetOnClose=false;MaxAutoPrepare=0")]
    public void What_the_connection_string_says_wins(string given)
    {
        var tuned = new NpgsqlConnectionStringBuilder(ServiceDatabase.ForShortTransactions(given));

        Assert.False(tuned.NoResetOnClose);
        Assert.Equal(0, tuned.MaxAutoPrepare);
    }

    [Fact]
    public void No_connection_string_stays_none() => Assert.Null(ServiceDatabase.ForShortTransactions(null));
}
