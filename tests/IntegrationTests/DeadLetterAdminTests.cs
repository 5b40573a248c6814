using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using BuildingBlocks.EventBus;
using StackExchange.Redis;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// The administrators' dead-letter list and replay through the gateway (<c>/api/admin/deadletters</c>), over
/// every service that keeps dead letters. A letter is planted where the catalog keeps its own (the native bus's
/// dead-letter stream of topic inventory.stock-changed, group catalog), as a handler that gave up would leave it.
/// </summary>
[Collection(PlatformCollection.Name)]
public class DeadLetterAdminTests(PlatformFixture platform)
{
    private sealed record Letter(string Id, string Topic, string Reason, int Attempts, string FailedAt, JsonElement? Event, int Replays);

    private sealed record Source(string Service, string State, Letter[] Letters);

    private sealed record Replay(int Replayed, int Failed, int LeftForHuman);

    [Fact]
    public async Task An_administrator_lists_every_services_dead_letters_and_a_replay_reaches_the_handler()
    {
        using var admin = platform.AdminClient();
        var product = await admin.NewProductAsync("Dead letter");
        var planted = await PlantStockChangedLetterAsync(platform, product.Id, available: 37);

        var sources = (await admin.GetFromJsonAsync<Source[]>("/api/admin/deadletters"))!;
        Assert.Equal(["basket", "catalog", "inventory", "ordering", "orderworkflow", "payment"], sources.Select(s => s.Service).Order(StringComparer.Ordinal));
        Assert.All(sources, source => Assert.Equal("listed", source.State));
        var letter = Assert.Single(sources.Single(s => s.Service == "catalog").Letters, l => l.Event?.GetProperty("id").GetString() == planted);
        Assert.Equal(("inventory.stock-changed", "ArgumentException: planted by a test", 3, 0), (letter.Topic, letter.Reason, letter.Attempts, letter.Replays));

        var replay = await admin.PostAsync("/api/admin/deadletters/catalog/inventory.stock-changed/replay", null);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.True((await replay.Content.ReadFromJsonAsync<Replay>())!.Replayed >= 1);
        // Delivered: gone from the list, and the catalog shows the figure the letter carried.
        sources = (await admin.GetFromJsonAsync<Source[]>("/api/admin/deadletters"))!;
        Assert.DoesNotContain(sources.SelectMany(s => s.Letters), l => l.Event?.GetProperty("id").GetString() == planted);
        var shown = await Eventually.UntilAsync(
            async () => (await platform.Gateway.GetFromJsonAsync<CatalogItem>($"/api/catalog/items/{product.Id}"))!.AvailableStock,
            stock => stock == 37, TimeSpan.FromSeconds(30), "the catalog to show the replayed figure");
        Assert.Equal(37, shown);
    }

    [Fact]
    public async Task Only_administrators_see_dead_letters_and_an_unknown_service_is_404_naming_the_field()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await platform.Gateway.GetAsync("/api/admin/deadletters")).StatusCode);
        var shopper = await platform.Gateway.SendAsUserAsync(HttpMethod.Get, "/api/admin/deadletters", Tokens.For($"shopper-{Guid.NewGuid():N}"));
        Assert.Equal(HttpStatusCode.Forbidden, shopper.StatusCode);

        using var admin = platform.AdminClient();
        var unknown = await admin.PostAsync("/api/admin/deadletters/nowhere/inventory.stock-changed/replay", null);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var problem = (await unknown.Content.ReadFromJsonAsync<Problem>())!;
        Assert.Equal(["service"], problem.Errors!.Keys);
    }

    /// <summary>
    /// A StockChanged the catalog gave up on, as its consumer leaves one (fields of the dead-letter stream entry; the
    /// consumer group is the service's application name); the figure's version is far ahead of any real one, so a
    /// replay applies it. Returns the event's id.
    /// </summary>
    internal static async Task<string> PlantStockChangedLetterAsync(PlatformFixture platform, int productId, int available)
    {
        var stockChanged = new Catalog.Api.IntegrationEvents.Events.StockChanged(productId, available, Version: long.MaxValue / 2);
        var cloudEvent = CloudEvent.Create(stockChanged, "tests", productId.ToString());
        await using var redis = await ConnectionMultiplexer.ConnectAsync((await platform.App.GetConnectionStringAsync("redis"))!);
        await redis.GetDatabase().StreamAddAsync("events:inventory.stock-changed:deadletter:Catalog.Api",
        [
            new NameValueEntry("event", cloudEvent.ToJson()),
            new NameValueEntry("reason", "ArgumentException: planted by a test"),
            new NameValueEntry("attempts", 3),
            new NameValueEntry("sourceId", "0-1"),
            new NameValueEntry("failedAt", DateTimeOffset.UtcNow.ToString("O")),
        ]);
        return cloudEvent.Id;
    }
}
