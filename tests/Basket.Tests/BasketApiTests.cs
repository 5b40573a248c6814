extern alias BasketApi;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Basket.Grpc;
using TestSupport;
using OrderSubmitted = BasketApi::Basket.Api.IntegrationEvents.Events.OrderSubmitted;

namespace Basket.Tests;

/// <summary>The Basket service end to end: HTTP API, gRPC and the order-submitted subscription.</summary>
[Collection(BasketCollection.Name)]
public sealed class BasketApiTests(BasketFixture fixture)
{
    private sealed record Line(int ProductId, string Name, int Quantity, decimal UnitPrice);

    private sealed record BasketView(List<Line> Items, decimal Total);

    private static string NewUser() => $"user-{Guid.NewGuid():N}";

    [Fact]
    public async Task Without_a_token_every_route_is_401()
    {
        var product = fixture.NewProduct("Mug", 5m);
        var anonymous = fixture.Anonymous;

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/basket")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PutAsJsonAsync($"/api/basket/items/{product}", new { quantity = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync($"/api/basket/items/{product}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync("/api/basket")).StatusCode);
    }

    [Fact]
    public async Task Add_change_remove_and_clear_round_trip()
    {
        var mug = fixture.NewProduct("Mug", 5.50m);
        var pen = fixture.NewProduct("Pen", 1.25m);
        using var client = fixture.ClientFor(NewUser());

        var empty = await GetAsync(client);
        Assert.Empty(empty.Items);
        Assert.Equal(0m, empty.Total);

        await PutAsync(client, mug, 2);
        var both = await PutAsync(client, pen, 4);
        Assert.Equal(2 * 5.50m + 4 * 1.25m, both.Total);
        Assert.Contains(new Line(mug, "Mug", 2, 5.50m), both.Items);
        Assert.Contains(new Line(pen, "Pen", 4, 1.25m), both.Items);

        // PUT sets the quantity; it does not add to it.
        var changed = await PutAsync(client, mug, 3);
        Assert.Equal(3, changed.Items.Single(l => l.ProductId == mug).Quantity);
        Assert.Equal(3 * 5.50m + 4 * 1.25m, changed.Total);

        var removed = await ReadAsync(await client.DeleteAsync($"/api/basket/items/{pen}"));
        Assert.Equal([new Line(mug, "Mug", 3, 5.50m)], removed.Items);
        Assert.Equal(16.50m, removed.Total);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/basket")).StatusCode);
        Assert.Empty((await GetAsync(client)).Items);
    }

    [Fact]
    public async Task An_unknown_product_is_400_naming_productId()
    {
        using var client = fixture.ClientFor(NewUser());
        var response = await client.PutAsJsonAsync("/api/basket/items/42", new { quantity = 1 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ErrorsAsync(response)).TryGetProperty("productId", out _));
        Assert.Empty((await GetAsync(client)).Items);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    public async Task A_quantity_out_of_range_is_400_naming_quantity(int quantity)
    {
        var mug = fixture.NewProduct("Mug", 5m);
        using var client = fixture.ClientFor(NewUser());
        var response = await client.PutAsJsonAsync($"/api/basket/items/{mug}", new { quantity });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ErrorsAsync(response)).TryGetProperty("quantity", out _));
    }

    [Fact]
    public async Task Each_user_sees_only_their_own_basket()
    {
        var mug = fixture.NewProduct("Mug", 5m);
        var pen = fixture.NewProduct("Pen", 1m);
        using var alice = fixture.ClientFor(NewUser());
        using var bob = fixture.ClientFor(NewUser());

        await PutAsync(alice, mug, 1);
        await PutAsync(bob, pen, 7);

        Assert.Equal([new Line(mug, "Mug", 1, 5m)], (await GetAsync(alice)).Items);
        Assert.Equal([new Line(pen, "Pen", 7, 1m)], (await GetAsync(bob)).Items);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync("/api/basket")).StatusCode);
        Assert.Single((await GetAsync(bob)).Items);
    }

    [Fact]
    public async Task A_price_change_in_the_catalog_reaches_an_open_basket()
    {
        var mug = fixture.NewProduct("Mug", 5m);
        using var client = fixture.ClientFor(NewUser());
        await PutAsync(client, mug, 2);

        fixture.Products[mug] = ("Mug (new)", 4.20m);

        var basket = await GetAsync(client);
        Assert.Equal([new Line(mug, "Mug (new)", 2, 4.20m)], basket.Items);
        Assert.Equal(8.40m, basket.Total);
    }

    [Fact]
    public async Task A_product_gone_from_the_catalog_is_dropped()
    {
        var mug = fixture.NewProduct("Mug", 5m);
        var pen = fixture.NewProduct("Pen", 1m);
        using var client = fixture.ClientFor(NewUser());
        await PutAsync(client, mug, 1);
        await PutAsync(client, pen, 1);

        fixture.Products.TryRemove(pen, out _);

        Assert.Equal([mug], (await GetAsync(client)).Items.Select(l => l.ProductId));
        // Dropped from the stored basket too: it does not come back if the id reappears.
        fixture.Products[pen] = ("Pen", 1m);
        Assert.Equal([mug], (await GetAsync(client)).Items.Select(l => l.ProductId));
    }

    [Fact]
    public async Task Concurrent_changes_to_one_basket_are_never_lost()
    {
        var products = Enumerable.Range(0, 10).Select(i => fixture.NewProduct($"Item {i}", 1m + i)).ToList();
        var user = NewUser();
        var clients = products.Select(_ => fixture.ClientFor(user)).ToList();

        // Ten writers start together on an empty basket: creation and every later change race.
        var responses = await Task.WhenAll(products.Select((product, i) =>
            clients[i].PutAsJsonAsync($"/api/basket/items/{product}", new { quantity = i + 1 })));
        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));

        var basket = await GetAsync(clients[0]);
        Assert.Equal(products.Order(), basket.Items.Select(l => l.ProductId).Order());
        Assert.All(basket.Items, line => Assert.Equal(products.IndexOf(line.ProductId) + 1, line.Quantity));
        clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Grpc_GetBasket_returns_the_lines_and_ClearBasket_empties_it()
    {
        var mug = fixture.NewProduct("Mug", 5.50m);
        var pen = fixture.NewProduct("Pen", 1.25m);
        var user = NewUser();
        using var client = fixture.ClientFor(user);
        await PutAsync(client, mug, 2);
        await PutAsync(client, pen, 3);

        var grpc = new BasketService.BasketServiceClient(fixture.GrpcChannel);
        var reply = await grpc.GetBasketAsync(new GetBasketRequest { UserId = user }, fixture.ServiceCaller());

        Assert.Equal("14.75", reply.Total);
        Assert.Equal(
            [(mug, "Mug", 2, "5.50"), (pen, "Pen", 3, "1.25")],
            reply.Lines.Select(l => (l.ProductId, l.Name, l.Quantity, l.UnitPrice)).OrderBy(l => l.Name));

        await grpc.ClearBasketAsync(new ClearBasketRequest { UserId = user }, fixture.ServiceCaller());

        Assert.Empty((await grpc.GetBasketAsync(new GetBasketRequest { UserId = user }, fixture.ServiceCaller())).Lines);
        Assert.Empty((await GetAsync(client)).Items);
    }

    [Fact]
    public async Task An_order_submitted_event_clears_that_users_basket()
    {
        var mug = fixture.NewProduct("Mug", 5m);
        var buyer = NewUser();
        var other = NewUser();
        using var buyerClient = fixture.ClientFor(buyer);
        using var otherClient = fixture.ClientFor(other);
        await PutAsync(buyerClient, mug, 1);
        await PutAsync(otherClient, mug, 1);

        var version = (await new BasketService.BasketServiceClient(fixture.GrpcChannel).GetBasketAsync(new GetBasketRequest { UserId = buyer }, fixture.ServiceCaller())).Version;

        var orderId = Guid.NewGuid();
        await fixture.PublishAsync(new OrderSubmitted(orderId, buyer, version), orderId.ToString());

        await Eventually.TrueAsync(async () => (await GetAsync(buyerClient)).Items.Count == 0,
            "the basket to be cleared after OrderSubmitted", TimeSpan.FromSeconds(15));

        Assert.Single((await GetAsync(otherClient)).Items);
    }

    [Fact]
    public async Task Grpc_GetBasket_reports_a_version_that_grows_with_every_change_and_not_on_a_read()
    {
        var mug = fixture.NewProduct("Mug", 5m);
        var user = NewUser();
        using var client = fixture.ClientFor(user);
        var grpc = new BasketService.BasketServiceClient(fixture.GrpcChannel);
        async Task<long> VersionAsync() => (await grpc.GetBasketAsync(new GetBasketRequest { UserId = user }, fixture.ServiceCaller())).Version;

        await PutAsync(client, mug, 1);
        var first = await VersionAsync();
        Assert.Equal(first, await VersionAsync());
        await PutAsync(client, mug, 2);
        var second = await VersionAsync();
        // Setting the quantity it already has is no change.
        await PutAsync(client, mug, 2);

        Assert.True(second > first, $"{second} > {first}");
        Assert.Equal(second, await VersionAsync());
    }

    [Fact]
    public async Task A_basket_emptied_and_filled_again_has_a_version_above_every_earlier_one()
    {
        var mug = fixture.NewProduct("Mug", 5m);
        var user = NewUser();
        using var client = fixture.ClientFor(user);
        var grpc = new BasketService.BasketServiceClient(fixture.GrpcChannel);
        async Task<long> VersionAsync() => (await grpc.GetBasketAsync(new GetBasketRequest { UserId = user }, fixture.ServiceCaller())).Version;

        await PutAsync(client, mug, 1);
        var checkedOut = await VersionAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/basket")).StatusCode);
        await PutAsync(client, mug, 1);
        var viaHttpClear = await VersionAsync();
        await grpc.ClearBasketAsync(new ClearBasketRequest { UserId = user }, fixture.ServiceCaller());
        await PutAsync(client, mug, 1);
        var viaGrpcClear = await VersionAsync();

        // The same contents again are a new basket: a checkout of it must not look like the first one's.
        Assert.True(viaHttpClear > checkedOut, $"{viaHttpClear} > {checkedOut}");
        Assert.True(viaGrpcClear > viaHttpClear, $"{viaGrpcClear} > {viaHttpClear}");
    }

    [Fact]
    public async Task A_basket_changed_after_checkout_read_it_is_not_emptied_by_that_orders_event()
    {
        var mug = fixture.NewProduct("Mug", 5m);
        var pen = fixture.NewProduct("Pen", 1m);
        var (shopper, sentinel) = (NewUser(), NewUser());
        using var shopperClient = fixture.ClientFor(shopper);
        using var sentinelClient = fixture.ClientFor(sentinel);
        var grpc = new BasketService.BasketServiceClient(fixture.GrpcChannel);
        await PutAsync(shopperClient, mug, 1);
        var consumed = (await grpc.GetBasketAsync(new GetBasketRequest { UserId = shopper }, fixture.ServiceCaller())).Version;
        // The shopper adds a pen after checkout read the basket: the pen is for the next order.
        await PutAsync(shopperClient, pen, 1);
        await PutAsync(sentinelClient, mug, 1);
        var sentinelVersion = (await grpc.GetBasketAsync(new GetBasketRequest { UserId = sentinel }, fixture.ServiceCaller())).Version;

        // One partition key: the consumer handles the two events in this order, so once the sentinel's
        // basket is empty the shopper's event has been handled.
        var partition = Guid.NewGuid().ToString();
        await fixture.PublishAsync(new OrderSubmitted(Guid.NewGuid(), shopper, consumed), partition);
        await fixture.PublishAsync(new OrderSubmitted(Guid.NewGuid(), sentinel, sentinelVersion), partition);
        await Eventually.TrueAsync(async () => (await GetAsync(sentinelClient)).Items.Count == 0,
            "the sentinel's basket to be emptied at its version", TimeSpan.FromSeconds(15));

        Assert.Equal(new[] { mug, pen }.Order(), (await GetAsync(shopperClient)).Items.Select(l => l.ProductId).Order());
    }

    private static async Task<BasketView> GetAsync(HttpClient client) => await ReadAsync(await client.GetAsync("/api/basket"));

    private static async Task<BasketView> PutAsync(HttpClient client, int productId, int quantity) =>
        await ReadAsync(await client.PutAsJsonAsync($"/api/basket/items/{productId}", new { quantity }));

    private static async Task<BasketView> ReadAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<BasketView>())!;
    }

    private static async Task<JsonElement> ErrorsAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
}
