using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Ordering.Tests;

/// <summary>POST /api/orders: the Idempotency-Key, the basket read over gRPC, the order and its OrderSubmitted event.</summary>
[Collection(OrderingCollection.Name)]
public sealed class CheckoutTests(OrderingFixture fixture)
{
    private Task<int> OrdersOfAsync(string userId) => fixture.QueryAsync(db => db.Orders.CountAsync(o => o.UserId == userId));

    private Task<List<OutboxMessage>> OutboxAsync(string topic, Guid orderId) => fixture.QueryAsync(db =>
        db.Set<OutboxMessage>().Where(m => m.Topic == topic && m.PartitionKey == orderId.ToString()).ToListAsync());

    [Theory]
    [InlineData("missing")]
    [InlineData("blank")]
    [InlineData("longer than 100 characters")]
    public async Task Checkout_without_a_usable_Idempotency_Key_is_400_naming_the_header(string kind)
    {
        var key = kind switch
        {
            "missing" => null,
            "blank" => "   ",
            _ => new string('k', 101),
        };
        var user = OrderingFixture.NewUser();
        fixture.Basket.Fill(user, (1, "Mug", 1, 5m));
        using var client = fixture.ClientFor(user);

        var response = await OrderingFixture.CheckoutAsync(client, key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        // Named exactly as the client sends the header.
        Assert.Contains(problem.GetProperty("errors").EnumerateObject(), error => error.Name == "Idempotency-Key");
        Assert.Equal(0, await OrdersOfAsync(user));
    }

    [Fact]
    public async Task An_Idempotency_Key_of_100_characters_is_accepted_and_replayed()
    {
        var user = OrderingFixture.NewUser();
        fixture.Basket.Fill(user, (2, "Mug", 1, 5m));
        using var client = fixture.ClientFor(user);
        var key = new string('k', 100);

        var first = await OrderingFixture.CheckoutAsync(client, key);
        var again = await OrderingFixture.CheckoutAsync(client, key);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.Equal(1, await OrdersOfAsync(user));
    }

    [Fact]
    public async Task Checkout_answers_202_with_the_Location_of_the_order_made_from_the_basket()
    {
        var user = OrderingFixture.NewUser();
        fixture.Basket.Fill(user, (11, "Mug", 2, 12.50m), (12, "Teapot", 1, 30.25m));
        using var client = fixture.ClientFor(user);

        var response = await OrderingFixture.CheckoutAsync(client, Guid.NewGuid().ToString(), OrderingFixture.CheckoutBody("tok_declined"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<Accepted>())!;
        Assert.Equal("Submitted", accepted.Status);
        Assert.Equal($"/api/orders/{accepted.OrderId}", response.Headers.Location?.OriginalString);
        // The 202 itself says what was ordered, at which prices.
        Assert.Equal([new OrderLineView(11, "Mug", 2, 12.50m), new OrderLineView(12, "Teapot", 1, 30.25m)], accepted.Lines);
        Assert.Equal(55.25m, accepted.Total);

        var order = (await client.GetFromJsonAsync<OrderView>(response.Headers.Location))!;
        Assert.Equal(accepted.OrderId, order.OrderId);
        Assert.Equal("Submitted", order.Status);
        Assert.Null(order.Reason);
        Assert.Equal([new OrderLineView(11, "Mug", 2, 12.50m), new OrderLineView(12, "Teapot", 1, 30.25m)], order.Lines);
        Assert.Equal(55.25m, order.Total);

        // The saga starts from OrderSubmitted, committed with the order: lines, total and the basket
        // version consumed; no payment token (events are stored and relayed in the open).
        var submitted = Assert.Single(await OutboxAsync(Topics.OrderSubmitted, accepted.OrderId));
        var data = JsonDocument.Parse(submitted.CloudEvent).RootElement.GetProperty("data");
        Assert.Equal(accepted.OrderId, data.GetProperty("orderId").GetGuid());
        Assert.Equal(user, data.GetProperty("userId").GetString());
        Assert.Equal(55.25m, data.GetProperty("total").GetDecimal());
        Assert.Equal(fixture.Basket.Versions[user], data.GetProperty("basketVersion").GetInt64());
        Assert.DoesNotContain("tok_declined", submitted.CloudEvent, StringComparison.Ordinal);
        Assert.DoesNotContain(data.EnumerateObject(), p => p.Name.Contains("payment", StringComparison.OrdinalIgnoreCase));
        Assert.Equal([(11, 2, 12.50m), (12, 1, 30.25m)],
            data.GetProperty("lines").EnumerateArray()
                .Select(l => (l.GetProperty("productId").GetInt32(), l.GetProperty("quantity").GetInt32(), l.GetProperty("unitPrice").GetDecimal())));
    }

    [Fact]
    public async Task The_same_key_again_answers_the_same_order_and_starts_no_second_checkout()
    {
        var user = OrderingFixture.NewUser();
        fixture.Basket.Fill(user, (21, "Mug", 1, 8m));
        using var client = fixture.ClientFor(user);
        var key = Guid.NewGuid().ToString();

        var first = await OrderingFixture.CheckoutAsync(client, key);
        // Basket empties the basket once the order is submitted: a client's retry must still get its order.
        fixture.Basket.Baskets.TryRemove(user, out _);
        var again = await OrderingFixture.CheckoutAsync(client, key);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var orderId = (await first.Content.ReadFromJsonAsync<Accepted>())!.OrderId;
        Assert.Equal(orderId, (await again.Content.ReadFromJsonAsync<Accepted>())!.OrderId);
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.Equal(1, await OrdersOfAsync(user));
        Assert.Single(await OutboxAsync(Topics.OrderSubmitted, orderId));
    }

    [Fact]
    public async Task The_same_key_sent_five_times_at_once_makes_one_order()
    {
        var user = OrderingFixture.NewUser();
        fixture.Basket.Fill(user, (31, "Mug", 1, 8m));
        using var client = fixture.ClientFor(user);
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => OrderingFixture.CheckoutAsync(client, key)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<Accepted>())!.OrderId));
        var orderId = Assert.Single(ids.Distinct());
        Assert.Equal(1, await OrdersOfAsync(user));
        Assert.Single(await OutboxAsync(Topics.OrderSubmitted, orderId));
    }

    [Fact]
    public async Task A_key_is_the_callers_own_the_same_key_from_another_user_is_another_order()
    {
        var (alice, bob) = (OrderingFixture.NewUser(), OrderingFixture.NewUser());
        fixture.Basket.Fill(alice, (41, "Mug", 1, 8m));
        fixture.Basket.Fill(bob, (42, "Cup", 3, 2m));
        using var aliceClient = fixture.ClientFor(alice);
        using var bobClient = fixture.ClientFor(bob);
        var key = Guid.NewGuid().ToString();

        var aliceOrder = (await (await OrderingFixture.CheckoutAsync(aliceClient, key)).Content.ReadFromJsonAsync<Accepted>())!.OrderId;
        var bobResponse = await OrderingFixture.CheckoutAsync(bobClient, key);

        Assert.Equal(HttpStatusCode.Accepted, bobResponse.StatusCode);
        var bobOrder = (await bobResponse.Content.ReadFromJsonAsync<Accepted>())!.OrderId;
        Assert.NotEqual(aliceOrder, bobOrder);
        Assert.Equal([new OrderLineView(42, "Cup", 3, 2m)], (await bobClient.GetFromJsonAsync<OrderView>($"/api/orders/{bobOrder}"))!.Lines);
    }

    [Fact]
    public async Task An_empty_basket_is_refused_with_400_naming_the_basket_and_nothing_is_stored()
    {
        var user = OrderingFixture.NewUser();
        using var client = fixture.ClientFor(user);

        var response = await OrderingFixture.CheckoutAsync(client, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("basket", out _), problem.ToString());
        Assert.Equal(0, await OrdersOfAsync(user));
    }

    [Fact]
    public async Task A_checkout_without_a_shipping_address_is_400_naming_it()
    {
        var user = OrderingFixture.NewUser();
        fixture.Basket.Fill(user, (51, "Mug", 1, 8m));
        using var client = fixture.ClientFor(user);

        var response = await OrderingFixture.CheckoutAsync(client, Guid.NewGuid().ToString(), new { paymentToken = "tok_ok" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("shippingAddress", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await OrdersOfAsync(user));
    }

    [Theory]
    [InlineData(Grpc.Core.StatusCode.Unavailable)]
    [InlineData(Grpc.Core.StatusCode.Unknown)]
    [InlineData(Grpc.Core.StatusCode.DeadlineExceeded)]
    public async Task A_checkout_while_Basket_fails_is_503_with_Retry_After_and_succeeds_once_Basket_answers(Grpc.Core.StatusCode failure)
    {
        var user = OrderingFixture.NewUser();
        fixture.Basket.Fill(user, (52, "Mug", 1, 8m));
        fixture.Basket.Failures[user] = failure;
        using var client = fixture.ClientFor(user);
        var key = Guid.NewGuid().ToString();

        var refused = await OrderingFixture.CheckoutAsync(client, key);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Equal(0, await OrdersOfAsync(user));

        // The shopper tries again with the same key once Basket answers: one order.
        fixture.Basket.Failures.TryRemove(user, out _);
        Assert.Equal(HttpStatusCode.Accepted, (await OrderingFixture.CheckoutAsync(client, key)).StatusCode);
        Assert.Equal(1, await OrdersOfAsync(user));
    }
}
