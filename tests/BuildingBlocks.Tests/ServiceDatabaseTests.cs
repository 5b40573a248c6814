using BuildingBlocks.Data;
using Npgsql;

namespace BuildingBlocks.Tests;

public class ServiceDatabaseTests
{
    [Fact]
    public void A_service_connection_prepares_its_frequent_statements_keeps_a_small_pool_and_is_still_reset_on_return_to_it()
    {
        var tuned = new NpgsqlConnectionStringBuilder(ServiceDatabase.Tuned("Host=db;Database=orders;Username=app"));

        Assert.True(tuned.MaxAutoPrepare > 0);
        Assert.Equal(ServiceDatabase.MaxPoolSize, tuned.MaxPoolSize);
        Assert.False(tuned.NoResetOnClose);
        Assert.Equal(("db", "orders", "app"), (tuned.Host, tuned.Database, tuned.Username));
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0;Maximum Pool Size=50")]
    [InlineData("Host=db;MaxAutoPrepare=0;MaxPoolSize=50")]
    [InlineData("Host=db;max auto prepare=0;maximum pool size=50")]
    public void What_the_connection_string_says_wins(string given)
    {
        var tuned = new NpgsqlConnectionStringBuilder(ServiceDatabase.Tuned(given));

        Assert.Equal((0, 50), (tuned.MaxAutoPrepare, tuned.MaxPoolSize));
    }

    [Fact]
    public void No_connection_string_stays_none() => Assert.Null(ServiceDatabase.Tuned(null));
}
