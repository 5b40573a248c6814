using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using TestSupport;

namespace IntegrationTests;

/// <summary>The local data directory outlives the AppHost; losing Redis only degrades the catalog.</summary>
[Collection(OwnPlatformCollection.Name)]
public class DataDirectoryTests : IAsyncLifetime
{
    private readonly string _dataDirectory = PlatformHost.NewDataDirectory();

    // These tests are about the data directory and Redis, not balancing.
    private static readonly string[] Lean = [PlatformHost.OneCatalogReplica];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        PlatformHost.DeleteDataDirectory(_dataDirectory);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Catalog_changes_survive_an_AppHost_restart()
    {
        CatalogItem created;
        await using (var first = await PlatformHost.StartAsync(_dataDirectory, Lean))
        {
            using var admin = first.AdminClient();
            var response = await admin.PostAsJsonAsync("/api/catalog/items",
                new { name = "Persistent Compass", description = "Survives restarts", price = 19.99m, categoryId = 1, brandId = 1 });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            created = (await response.Content.ReadFromJsonAsync<CatalogItem>())!;
            Assert.True(Directory.Exists(Path.Combine(_dataDirectory, "postgres", "data")));
        }

        await using var second = await PlatformHost.StartAsync(_dataDirectory, Lean);
        using var client = second.CreateHttpClient("gateway");

        // The first reads of a just-started platform can miss the gateway's deadlines on a loaded machine (CI ran
        // this while other test projects started platforms of their own, and got one 504): such an answer says
        // "try again", and a client does; any other answer decides.
        var read = await Eventually.UntilAsync(
            () => client.GetAsync($"/api/catalog/items/{created.Id}"),
            response => response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout),
            TimeSpan.FromSeconds(60), "the restarted catalog to answer");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(created, await read.Content.ReadFromJsonAsync<CatalogItem>());
        var page = await client.GetFromJsonAsync<CatalogPage>("/api/catalog/items?q=Persistent%20Compass");
        Assert.Equal([created.Id], page!.Data.Select(i => i.Id));
        // The seed ran once: restarting did not add the demo catalog a second time.
        var all = await client.GetFromJsonAsync<CatalogPage>("/api/catalog/items");
        Assert.Equal(121, all!.Count);
    }

    [Fact]
    public async Task Without_redis_the_catalog_is_degraded_but_still_serves_reads()
    {
        await using var app = await PlatformHost.StartAsync(_dataDirectory, Lean);
        using var catalog = app.CreateHttpClient("catalog");
        using var gateway = app.CreateHttpClient("gateway");

        await app.ResourceCommands.ExecuteCommandAsync("redis", KnownResourceCommands.StopCommand);

        var status = await Eventually.UntilAsync(
            async () =>
            {
                var response = await catalog.GetAsync("/health/ready");
                using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                return ((int)response.StatusCode, report.RootElement.GetProperty("status").GetString());
            },
            s => s.Item2 == "Degraded",
            TimeSpan.FromSeconds(60),
            "the catalog to report Degraded");

        Assert.Equal(200, status.Item1);
        var list = await gateway.GetAsync("/api/catalog/items?pageSize=3");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var first = (await list.Content.ReadFromJsonAsync<CatalogPage>())!.Data[0];
        Assert.Equal(first, await gateway.GetFromJsonAsync<CatalogItem>($"/api/catalog/items/{first.Id}"));
    }
}
