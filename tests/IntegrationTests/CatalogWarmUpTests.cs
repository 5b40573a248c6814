using System.Net;
using AppHost;
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

    /// <summary>The test platform runs all four catalog replicas (<see cref="PlatformHost.AllCatalogReplicas"/>).</summary>
    public static TheoryData<string> Replicas => [.. CatalogReplicas.Names];

    [Theory]
    [MemberData(nameof(Replicas))]
    public async Task Each_replica_warmed_up_its_reads_and_writes_before_it_was_ready(string replica)
    {
        var lines = await platform.App.LogLinesAsync(replica);

        Assert.Contains(lines, line => line.Contains("Warmed up the catalog's reads and writes", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Replicas))]
    public async Task Each_replica_listened_only_once_warm_so_no_readiness_probe_found_it_warming_up(string replica)
    {
        var lines = (await platform.App.LogLinesAsync(replica)).ToList();

        var warmed = lines.FindIndex(line => line.Contains("Warmed up the catalog's reads and writes", StringComparison.Ordinal));
        var listening = lines.FindIndex(line => line.Contains("Now listening on", StringComparison.Ordinal));
        Assert.True(warmed >= 0 && listening > warmed, $"warmed up at line {warmed}, listening at line {listening}");
        // ASP.NET Core logs every unhealthy check as an error: a probe that found the replica warming up said so.
        Assert.DoesNotContain(lines, line => line.Contains("Health check warm-up with status Unhealthy", StringComparison.Ordinal));
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
