using System.Net;
using TestSupport;

namespace Gateway.Tests;

/// <summary>The catalog cluster through the real gateway: weighted split, health-check ejection and readmission, backup.</summary>
public sealed class LoadBalancingTests
{
    private const string Items = "/api/catalog/items";

    [Fact]
    public async Task Catalog_replicas_share_requests_by_weight_and_the_backup_stays_idle()
    {
        await using var bed = await GatewayTestbed.StartAsync();

        var served = await ServedByAsync(bed, 600);

        var counts = served.CountBy(name => name).ToDictionary();
        AssertNear(300, counts.GetValueOrDefault("catalog"));
        AssertNear(200, counts.GetValueOrDefault("catalog-2"));
        AssertNear(100, counts.GetValueOrDefault("catalog-3"));
        Assert.False(counts.ContainsKey(GatewayTestbed.CatalogBackup));
        Assert.Equal(0, bed[GatewayTestbed.CatalogBackup].Count("GET"));
        // X-Upstream names the replica that really answered.
        Assert.Equal(counts.GetValueOrDefault("catalog-2"), bed["catalog-2"].Count("GET"));
    }

    [Fact]
    public async Task Replicas_a_deployment_does_not_run_are_neither_routed_to_nor_probed_and_the_rest_keep_their_weights()
    {
        // What the AppHost sets when it runs two catalog replicas (parameter catalog-replicas=2).
        await using var bed = await GatewayTestbed.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:ExcludedDestinations:0"] = "catalog-3",
            ["Gateway:ExcludedDestinations:1"] = GatewayTestbed.CatalogBackup,
        });

        var served = await ServedByAsync(bed, 500);

        var counts = served.CountBy(name => name).ToDictionary();
        AssertNear(300, counts.GetValueOrDefault("catalog"));
        AssertNear(200, counts.GetValueOrDefault("catalog-2"));
        // Probed every 200 ms here: by now the included replicas have been probed many times, the others never.
        await Eventually.TrueAsync(() => bed["catalog-2"].Probes > 5, "catalog-2 to be probed");
        Assert.All(new[] { "catalog-3", GatewayTestbed.CatalogBackup }, name =>
        {
            Assert.Equal(0, bed[name].Count("GET"));
            Assert.Equal(0, bed[name].Probes);
        });
    }

    [Fact]
    public async Task A_replica_reporting_unready_is_ejected_and_readmitted_when_it_recovers()
    {
        await using var bed = await GatewayTestbed.StartAsync();

        bed["catalog-3"].Healthy = false;
        // With all three replicas in, any 6 consecutive picks include catalog-3 once.
        await Eventually.TrueAsync(async () => !(await ServedByAsync(bed, 12)).Contains("catalog-3"), "catalog-3 to be ejected");
        Assert.DoesNotContain("catalog-3", await ServedByAsync(bed, 30));

        bed["catalog-3"].Healthy = true;
        await Eventually.TrueAsync(async () => (await ServedByAsync(bed, 12)).Contains("catalog-3"), "catalog-3 to be readmitted");
    }

    [Fact]
    public async Task The_backup_serves_while_no_primary_is_available_and_hands_back_when_one_recovers()
    {
        await using var bed = await GatewayTestbed.StartAsync();

        foreach (var replica in GatewayTestbed.CatalogReplicas)
        {
            bed[replica].Healthy = false;
        }

        await Eventually.TrueAsync(async () => (await ServedByAsync(bed, 6)).All(name => name == GatewayTestbed.CatalogBackup),
            "the backup to take over");
        Assert.All(await ServedByAsync(bed, 20), name => Assert.Equal(GatewayTestbed.CatalogBackup, name));

        bed["catalog-2"].Healthy = true;
        await Eventually.TrueAsync(async () => (await ServedByAsync(bed, 6)).All(name => name == "catalog-2"),
            "catalog-2 to take over from the backup");
    }

    [Fact]
    public async Task X_Upstream_names_the_destination_only_when_configured()
    {
        await using var exposing = await GatewayTestbed.StartAsync();
        await using var quiet = await GatewayTestbed.StartAsync(new Dictionary<string, string?> { ["Gateway:ExposeUpstream"] = "false" });

        using var exposed = await exposing.GetAsync(Items);
        using var hidden = await quiet.GetAsync(Items);

        // The configured destination (the AppHost resource), not the address service discovery resolved it to.
        Assert.Equal("catalog", Assert.Single(exposed.Headers.GetValues("X-Upstream")));
        Assert.Equal(HttpStatusCode.OK, hidden.StatusCode);
        Assert.False(hidden.Headers.Contains("X-Upstream"));
    }

    /// <summary>Sends GETs one after another and returns who served each; every one must succeed.</summary>
    internal static async Task<List<string>> ServedByAsync(GatewayTestbed bed, int count)
    {
        var served = new List<string>();
        for (var i = 0; i < count; i++)
        {
            using var response = await bed.GetAsync(Items);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            served.Add(GatewayTestbed.Upstream(response)!);
        }

        return served;
    }

    private static void AssertNear(int expected, int actual) =>
        Assert.InRange(actual, expected * 0.9, expected * 1.1);
}
