using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// Checkout end to end through the gateway, on the real AppHost: Basket, Ordering, the OrderWorkflow,
/// Inventory and Payment function apps (plain hosts), PostgreSQL, Redis.
/// </summary>
[Collection(PlatformCollection.Name)]
public class CheckoutTests(PlatformFixture platform)
{
    private static readonly TimeSpan SagaDeadline = TimeSpan.FromSeconds(90);
    private readonly HttpClient _gateway = platform.Gateway;
    private readonly HttpClient _admin = platform.AdminClient();

    private sealed record BasketLine(int ProductId, string Name, int Quantity, decimal UnitPrice);
    private sealed record BasketView(BasketLine[] Items, decimal Total);
    private sealed record Accepted(Guid OrderId, string Status);
    private sealed record OrderLine(int ProductId, int Quantity, decimal UnitPrice);
    private sealed record OrderView(Guid OrderId, string Status, string? Reason, OrderLine[] Lines, decimal Total);
    private sealed record StockLevel(int ProductId, int OnHand, int Reserved, int Available);

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, object? body = null, string? idempotencyKey = null) =>
        _gateway.SendAsUserAsync(method, path, token, body, idempotencyKey);

    private async Task<int> ProductWithStockAsync(int onHand)
    {
        // A catalog product of our own (the seeded ones are shared by other tests), with stock in Inventory.
        var created = await _admin.PostAsJsonAsync("/api/catalog/items",
            new { name = $"Checkout Test {Guid.NewGuid():N}"[..30], price = 12.50m, categoryId = 1, brandId = 1 });
        var productId = (await created.Content.ReadFromJsonAsync<CatalogItem>())!.Id;
        (await _admin.PutAsJsonAsync($"/api/inventory/{productId}", new { onHand })).EnsureSuccessStatusCode();
        return productId;
    }

    private async Task<OrderView> CheckoutAsync(string token, int productId, int quantity, string paymentToken)
    {
        (await SendAsync(HttpMethod.Put, $"/api/basket/items/{productId}", token, new { quantity })).EnsureSuccessStatusCode();
        var response = await SendAsync(HttpMethod.Post, "/api/orders", token, Checkout(paymentToken), Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<Accepted>())!;
        return await FinishedAsync(token, accepted.OrderId);
    }

    private static object Checkout(string paymentToken) => new
    {
        shippingAddress = new { street = "1 Test Street", city = "Testville", postalCode = "12345", country = "NL" },
        paymentToken,
    };

    private Task<OrderView> FinishedAsync(string token, Guid orderId) =>
        Eventually.UntilAsync(
            async () => (await (await SendAsync(HttpMethod.Get, $"/api/orders/{orderId}", token)).Content.ReadFromJsonAsync<OrderView>())!,
            order => order.Status is "Confirmed" or "Cancelled",
            SagaDeadline,
            $"order {orderId} to finish");

    [Fact]
    public async Task A_checkout_is_confirmed_stock_committed_basket_cleared_and_paid_once()
    {
        var user = Tokens.For($"shopper-{Guid.NewGuid():N}");
        var product = await ProductWithStockAsync(10);

        var order = await CheckoutAsync(user, product, 3, "tok_ok");

        Assert.Equal("Confirmed", order.Status);
        Assert.Equal([new OrderLine(product, 3, 12.50m)], order.Lines);
        Assert.Equal(37.50m, order.Total);
        Assert.Equal(new StockLevel(product, 7, 0, 7), await _admin.GetFromJsonAsync<StockLevel>($"/api/inventory/{product}"));
        var basket = await Eventually.UntilAsync(
            async () => (await (await SendAsync(HttpMethod.Get, "/api/basket", user)).Content.ReadFromJsonAsync<BasketView>())!,
            b => b.Items.Length == 0, TimeSpan.FromSeconds(30), "the basket to be cleared");
        Assert.Equal(0m, basket.Total);
        using var payment = platform.App.AdminClientOf("payment");
        var paid = await payment.GetStringAsync($"/api/payments/{order.OrderId}");
        Assert.Contains("\"Captured\"", paid);
    }

    [Fact]
    public async Task A_declined_card_cancels_the_order_and_restores_the_stock()
    {
        var user = Tokens.For($"shopper-{Guid.NewGuid():N}");
        var product = await ProductWithStockAsync(5);

        var order = await CheckoutAsync(user, product, 2, "tok_declined");

        Assert.Equal(("Cancelled", "PaymentDeclined"), (order.Status, order.Reason));
        Assert.Equal(new StockLevel(product, 5, 0, 5), await _admin.GetFromJsonAsync<StockLevel>($"/api/inventory/{product}"));
    }

    [Fact]
    public async Task The_same_checkout_sent_five_times_at_once_with_one_key_makes_one_order()
    {
        var user = Tokens.For($"shopper-{Guid.NewGuid():N}");
        var product = await ProductWithStockAsync(10);
        (await SendAsync(HttpMethod.Put, $"/api/basket/items/{product}", user, new { quantity = 1 })).EnsureSuccessStatusCode();
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => SendAsync(HttpMethod.Post, "/api/orders", user, Checkout("tok_ok"), key)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<Accepted>())!.OrderId));
        Assert.Single(ids.Distinct());
        var order = await FinishedAsync(user, ids[0]);
        Assert.Equal("Confirmed", order.Status);
        Assert.Equal(9, (await _admin.GetFromJsonAsync<StockLevel>($"/api/inventory/{product}"))!.OnHand);
    }

    [Fact]
    public async Task Orders_are_private_and_need_a_token()
    {
        var owner = Tokens.For($"shopper-{Guid.NewGuid():N}");
        var stranger = Tokens.For($"shopper-{Guid.NewGuid():N}");
        var product = await ProductWithStockAsync(3);
        var order = await CheckoutAsync(owner, product, 1, "tok_ok");

        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/orders/{order.OrderId}", stranger)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, $"/api/orders/{order.OrderId}/cancel", stranger)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _gateway.GetAsync("/api/orders")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _gateway.GetAsync("/api/basket")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await SendAsync(HttpMethod.Get, "/api/basket", Tokens.For("someone", signingKey: new string('x', 64)))).StatusCode);
    }

    [Fact]
    public async Task Checkout_without_an_idempotency_key_or_with_an_empty_basket_is_400()
    {
        var user = Tokens.For($"shopper-{Guid.NewGuid():N}");

        var noKey = await SendAsync(HttpMethod.Post, "/api/orders", user, Checkout("tok_ok"));
        var empty = await SendAsync(HttpMethod.Post, "/api/orders", user, Checkout("tok_ok"), Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.BadRequest, noKey.StatusCode);
        Assert.Contains("Idempotency-Key", await noKey.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("basket", await empty.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task One_basket_checked_out_five_times_at_once_with_five_keys_makes_one_order()
    {
        var user = Tokens.For($"shopper-{Guid.NewGuid():N}");
        var product = await ProductWithStockAsync(10);
        (await SendAsync(HttpMethod.Put, $"/api/basket/items/{product}", user, new { quantity = 1 })).EnsureSuccessStatusCode();

        var responses = await Task.WhenAll(Enumerable.Range(0, 5)
            .Select(_ => SendAsync(HttpMethod.Post, "/api/orders", user, Checkout("tok_ok"), Guid.NewGuid().ToString())));

        var accepted = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
        var orderId = (await accepted.Content.ReadFromJsonAsync<Accepted>())!.OrderId;
        foreach (var other in responses.Where(r => r != accepted))
        {
            // 409 naming the order while the basket is still there; 400 once Basket has emptied it.
            var problem = await other.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            Assert.True(other.StatusCode == HttpStatusCode.Conflict ? problem.GetProperty("orderId").GetGuid() == orderId
                : other.StatusCode == HttpStatusCode.BadRequest && problem.GetProperty("errors").TryGetProperty("basket", out _), problem.ToString());
        }

        var orders = await (await SendAsync(HttpMethod.Get, "/api/orders", user)).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(1, orders.GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task An_Idempotency_Key_reused_with_another_body_is_422()
    {
        var user = Tokens.For($"shopper-{Guid.NewGuid():N}");
        var product = await ProductWithStockAsync(10);
        (await SendAsync(HttpMethod.Put, $"/api/basket/items/{product}", user, new { quantity = 1 })).EnsureSuccessStatusCode();
        var key = Guid.NewGuid().ToString();

        var first = await SendAsync(HttpMethod.Post, "/api/orders", user, Checkout("tok_ok"), key);
        var other = await SendAsync(HttpMethod.Post, "/api/orders", user, Checkout("tok_declined"), key);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Contains("Idempotency-Key", await other.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Cancelling_a_paid_order_refunds_it_and_restores_the_stock()
    {
        var user = Tokens.For($"shopper-{Guid.NewGuid():N}");
        var product = await ProductWithStockAsync(4);
        var order = await CheckoutAsync(user, product, 2, "tok_ok");
        Assert.Equal("Confirmed", order.Status);

        var cancel = await SendAsync(HttpMethod.Post, $"/api/orders/{order.OrderId}/cancel", user);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var cancelled = await Eventually.UntilAsync(
            async () => (await (await SendAsync(HttpMethod.Get, $"/api/orders/{order.OrderId}", user)).Content.ReadFromJsonAsync<OrderView>())!,
            o => o.Status == "Cancelled", SagaDeadline, "the cancellation");
        Assert.Equal("CancelledByUser", cancelled.Reason);
        Assert.Equal(new StockLevel(product, 4, 0, 4), await _admin.GetFromJsonAsync<StockLevel>($"/api/inventory/{product}"));
        using var payment = platform.App.AdminClientOf("payment");
        Assert.Contains("\"Refunded\"", await payment.GetStringAsync($"/api/payments/{order.OrderId}"));
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"/api/orders/{order.OrderId}/cancel", user)).StatusCode);
    }
}

/// <summary>No oversell through the whole platform: many shoppers, one scarce product.</summary>
[Collection(PlatformCollection.Name)]
public class OversellTests(PlatformFixture platform)
{
    [Fact]
    public async Task Two_hundred_shoppers_checking_out_fifty_units_get_exactly_fifty_confirmed_orders()
    {
        var gateway = platform.Gateway;
        var admin = platform.AdminClient();
        var created = await admin.PostAsJsonAsync("/api/catalog/items",
            new { name = $"Scarce {Guid.NewGuid():N}"[..24], price = 8m, categoryId = 1, brandId = 1 });
        var product = (await created.Content.ReadFromJsonAsync<CatalogItem>())!.Id;
        (await admin.PutAsJsonAsync($"/api/inventory/{product}", new { onHand = 50 })).EnsureSuccessStatusCode();

        var orderIds = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var token = Tokens.For($"oversell-{i}-{Guid.NewGuid():N}");
            var put = await gateway.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/api/basket/items/{product}")
                { Content = JsonContent.Create(new { quantity = 1 }) }.WithToken(token));
            put.EnsureSuccessStatusCode();
            var post = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
            {
                Content = JsonContent.Create(new
                {
                    shippingAddress = new { street = "1 Rush Lane", city = "Testville", postalCode = "1", country = "NL" },
                    paymentToken = "tok_ok",
                }),
            }.WithToken(token);
            post.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            var response = await gateway.SendAsync(post);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            orderIds.Add((await response.Content.ReadFromJsonAsync<OrderAccepted>())!.OrderId);
        });

        await using var ordering = new Npgsql.NpgsqlConnection(await platform.App.GetConnectionStringAsync("orderingdb"));
        await ordering.OpenAsync();
        var ids = orderIds.ToArray();
        var outcome = await Eventually.UntilAsync(async () =>
        {
            var counts = new Dictionary<string, int>();
            await using var query = new Npgsql.NpgsqlCommand(
                """SELECT "Status" || coalesce(':' || "Reason", ''), count(*) FROM orders WHERE "Id" = ANY($1) GROUP BY 1""", ordering)
            {
                Parameters = { new() { Value = ids } },
            };
            await using var reader = await query.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                counts[reader.GetString(0)] = (int)reader.GetInt64(1);
            }

            return counts;
        }, counts => counts.GetValueOrDefault("Confirmed") + counts.GetValueOrDefault("Cancelled:OutOfStock") == 200,
            TimeSpan.FromMinutes(4), "all 200 orders to finish");

        Assert.Equal(50, outcome["Confirmed"]);
        Assert.Equal(150, outcome["Cancelled:OutOfStock"]);
        var stock = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/inventory/{product}");
        Assert.Equal(0, stock.GetProperty("onHand").GetInt32());
        Assert.Equal(0, stock.GetProperty("reserved").GetInt32());
    }

    private sealed record OrderAccepted(Guid OrderId, string Status);
}
