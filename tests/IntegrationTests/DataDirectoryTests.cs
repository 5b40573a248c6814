using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// A platform started a second time on the data directory of a first one that made a change and stopped: both tests look
/// at the second, so the two starts are paid once for both (each start is a dozen processes on the CI machine's two cores).
/// </summary>
public sealed class RestartedPlatformFixture : IAsyncLifetime
{
    private readonly string _dataDirectory = PlatformHost.NewDataDirectory();

    // These tests are about the data directory and Redis, not balancing.
    private static readonly string[] Lean = [PlatformHost.OneCatalogReplica];

    /// <summary>The product the first platform created through the gateway before it stopped.</summary>
    public CatalogItem CreatedBeforeRestart { get; private set; } = null!;

    public DistributedApplication App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await using (var first = await PlatformHost.StartAsync(_dataDirectory, Lean))
        {
            using var admin = first.AdminClient();
            var response = await admin.PostAsJsonAsync("/api/catalog/items",
                new { name = "Persistent Compass", description = "Survives restarts", price = 19.99m, categoryId = 1, brandId = 1 });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            CreatedBeforeRestart = (await response.Content.ReadFromJsonAsync<CatalogItem>())!;
            Assert.True(Directory.Exists(Path.Combine(_dataDirectory, "postgres", "data")));
        }

        App = await PlatformHost.StartAsync(_dataDirectory, Lean);
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        PlatformHost.DeleteDataDirectory(_dataDirectory);
    }
}

/// <summary>The local data directory outlives the AppHost; losing Redis only degrades the catalog.</summary>
[Collection(OwnPlatformCollection.Name)]
public class DataDirectoryTests(RestartedPlatformFixture platform) : IClassFixture<RestartedPlatformFixture>
{
    [Fact]
    public async Task Catalog_changes_survive_an_AppHost_restart()
    {
        var created = platform.CreatedBeforeRestart;
        using var client = platform.App.CreateHttpClient("gateway");

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
        var app = platform.App;
        using var catalog = app.CreateHttpClient("catalog");
        using var gateway = app.CreateHttpClient("gateway");

        await app.ResourceCommands.ExecuteCommandAsync("redis", KnownResourceCommands.StopCommand);
        try
        {
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
        finally
        {
            // The platform is shared with the restart test: leave it as it was found.
            await app.ResourceCommands.ExecuteCommandAsync("redis", KnownResourceCommands.StartCommand);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("redis").WaitAsync(TimeSpan.FromMinutes(2));
        }
    }
}
