using System.Net;
using Aspire.Hosting.Testing;
using Npgsql;

namespace IntegrationTests;

/// <summary>
/// Every catalog replica runs its reads and a product creation once before it reports ready (CatalogWarmUp),
/// and the creation, rolled back, leaves nothing behind: no product, no event for Inventory.
/// </summary>
[Collection(PlatformCollection.Name)]
public class CatalogWarmUpTests(PlatformFixture platform)
{
    private const string WarmUpProductId = "-1";

    [Theory]
    [InlineData("catalog")]
    [InlineData("catalog-2")]
    [InlineData("catalog-3")]
    [InlineData("catalog-backup")]
    public async Task Each_replica_warmed_up_its_reads_and_writes_before_it_was_ready(string replica)
    {
        var lines = await platform.App.LogLinesAsync(replica);

        Assert.Contains(lines, line => line.Contains("Warmed up the catalog's reads and writes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_rolled_back_creation_left_no_product_and_no_event()
    {
        await using var catalogDb = new NpgsqlConnection(await platform.App.GetConnectionStringAsync("catalogdb"));
        await catalogDb.OpenAsync();
        await using var items = new NpgsqlCommand("""SELECT count(*) FROM items WHERE "Id" < 1""", catalogDb);
        Assert.Equal(0L, (long)(await items.ExecuteScalarAsync())!);

        // Had its ProductCreated been published, Inventory would keep a stock row for the product.
        var stock = await platform.AdminClient().GetAsync($"/api/inventory/{WarmUpProductId}");
        Assert.Equal(HttpStatusCode.NotFound, stock.StatusCode);
    }
}
