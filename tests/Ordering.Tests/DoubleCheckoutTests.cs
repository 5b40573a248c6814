using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Ordering.Tests;

/// <summary>
/// A checkout consumes the basket version it read (one order per basket, whatever the Idempotency-Key),
/// a key reused with another body is 422, and an <c>expectedTotal</c> the basket no longer has is 409.
/// </summary>
[Collection(OrderingCollection.Name)]
public sealed class DoubleCheckoutTests(OrderingFixture fixture)
{
    private Task<int> OrdersOfAsync(string userId) => fixture.QueryAsync(db => db.Orders.CountAsync(o => o.UserId == userId));

    private Task<int> OrderSubmittedCountAsync(Guid orderId) => fixture.QueryAsync(db =>
        db.Set<OutboxMessage>().CountAsync(m => m.Topic == Topics.OrderSubmitted && m.PartitionKey == orderId.ToString()));

    private static async Task<Guid> AcceptedIdAsync(HttpResponseMessage response) => (await AcceptedAsync(response)).OrderId;

    private static async Task<Accepted> AcceptedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<Accepted>(body, JsonSerializerOptions.Web)!;
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>POST /api/orders with <paramref name="json"/> sent exactly as written.</summary>
    private static Task<HttpResponseMessage> CheckoutRawAsync(HttpClient client, string key, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    [Fact]
    public async Task A_second_checkout_of_the_same_basket_with_another_key_is_409_with_the_first_orders_id_and_orders_nothing()
    {
        var user = OrderingFixture.NewUser();
        fixture.Basket.Fill(user, (101, "Mug", 2, 8m));
        using var client = fixture.ClientFor(user);

        var first = await AcceptedIdAsync(await OrderingFixture.CheckoutAsync(client, Guid.NewGuid().ToString()));
        // The basket is not emptied yet (Basket does that on OrderSubmitted): a second tab, a double click.
        var second = await OrderingFixture.CheckoutAsync(client, Guid.NewGuid().ToString());

        var problem = await ProblemAsync(second, HttpStatusCode.Conflict);
        Assert.Equal(first, problem.GetProperty("orderId").GetGuid());
        Assert.Equal(1, await OrdersOfAsync(user));
        // One OrderSubmitted, so one saga and one charge.
        Assert.Equal(1, await OrderSubmittedCountAsync(first));
    }

    [Fact]
    public async Task Five_checkouts_of_one_basket_at_once_with_five_keys_make_one_order_and_four_409s_naming_it()
    {
        var user = OrderingFixture.NewUser();
        fixture.Basket.Fill(user, (102, "Mug", 1, 8m));
        using var client = fixture.ClientFor(user);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => OrderingFixture.CheckoutAsync(client, Guid.NewGuid().ToString())));

        var accepted = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
        var orderId = await AcceptedIdAsync(accepted);
        foreach (var refused in responses.Where(r => r != accepted))
        {
            Assert.Equal(orderId, (await ProblemAsync(refused, HttpStatusCode.Conflict)).GetProperty("orderId").GetGuid());
        }

        Assert.Equal(1, await OrdersOfAsync(user));
    }

    [Fact]
    public async Task A_basket_filled_again_with_the_same_lines_is_a_new_basket_and_checks_out()
    {
        var user = OrderingFixture.NewUser();
        using var client = fixture.ClientFor(user);
        fixture.Basket.Fill(user, (103, "Mug", 1, 8m));
        var first = await AcceptedIdAsync(await OrderingFixture.CheckoutAsync(client, Guid.NewGuid().ToString()));

        fixture.Basket.Fill(user, (103, "Mug", 1, 8m));
        var second = await AcceptedIdAsync(await OrderingFixture.CheckoutAsync(client, Guid.NewGuid().ToString()));

        Assert.NotEqual(first, second);
        Assert.Equal(2, await OrdersOfAsync(user));
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_422_naming_the_header_and_orders_nothing_more()
    {
        var user = OrderingFixture.NewUser();
        fixture.Basket.Fill(user, (104, "Mug", 1, 8m));
        using var client = fixture.ClientFor(user);
        var key = Guid.NewGuid().ToString();
        var first = await AcceptedIdAsync(await OrderingFixture.CheckoutAsync(client, key, OrderingFixture.CheckoutBody("tok_ok")));
        // A new basket, so only the key can be the reason for the refusal.
        fixture.Basket.Fill(user, (105, "Pen", 1, 2m));

        var response = await OrderingFixture.CheckoutAsync(client, key, OrderingFixture.CheckoutBody("tok_declined"));

        var problem = await ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Idempotency-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await OrdersOfAsync(user));
        // The first body again still gets the first order.
        Assert.Equal(first, await AcceptedIdAsync(await OrderingFixture.CheckoutAsync(client, key, OrderingFixture.CheckoutBody("tok_ok"))));
    }

    [Fact]
    public async Task The_same_key_with_the_same_body_written_differently_answers_the_original_202()
    {
        var user = OrderingFixture.NewUser();
        fixture.Basket.Fill(user, (106, "Mug", 2, 5m));
        using var client = fixture.ClientFor(user);
        var key = Guid.NewGuid().ToString();

        var first = await CheckoutRawAsync(client, key,
            """{"shippingAddress":{"street":"1 Test Street","city":"Testville","postalCode":"12345","country":"NL"},"paymentToken":"tok_ok","expectedTotal":10.0}""");
        // Other member order, whitespace, trailing zeros and an unknown member: the same request.
        var again = await CheckoutRawAsync(client, key, """
            { "expectedTotal": 10.00, "paymentToken": "tok_ok", "note": "ignored",
              "shippingAddress": { "country": "NL", "postalCode": "12345", "city": "Testville", "street": "1 Test Street" } }
            """);

        var orderId = await AcceptedIdAsync(first);
        var replay = await AcceptedAsync(again);
        Assert.Equal(orderId, replay.OrderId);
        Assert.Equal([new OrderLineView(106, "Mug", 2, 5m)], replay.Lines);
        Assert.Equal(10m, replay.Total);
        Assert.Equal($"/api/orders/{orderId}", again.Headers.Location?.OriginalString);
        Assert.Equal(1, await OrdersOfAsync(user));
    }

    [Fact]
    public async Task An_expectedTotal_the_basket_no_longer_has_is_409_with_the_current_total_and_orders_nothing()
    {
        var user = OrderingFixture.NewUser();
        // The shopper saw 2 × 10.00; the price has since risen.
        fixture.Basket.Fill(user, (107, "Mug", 2, 12.50m));
        using var client = fixture.ClientFor(user);
        var key = Guid.NewGuid().ToString();
        object Body(decimal expectedTotal) => new
        {
            shippingAddress = new { street = "1 Test Street", city = "Testville", postalCode = "12345", country = "NL" },
            paymentToken = "tok_ok",
            expectedTotal,
        };

        var response = await OrderingFixture.CheckoutAsync(client, key, Body(20m));

        var problem = await ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(25m, problem.GetProperty("currentTotal").GetDecimal());
        Assert.False(problem.TryGetProperty("orderId", out _), problem.ToString());
        Assert.Equal(0, await OrdersOfAsync(user));
        Assert.Equal(0, await fixture.QueryAsync(db => db.IdempotencyRecords.CountAsync(r => r.UserId == user)));

        // Nothing was kept, not even the key: the shopper confirms the new total and the same key places the order.
        var accepted = await AcceptedAsync(await OrderingFixture.CheckoutAsync(client, key, Body(25m)));
        Assert.Equal(25m, accepted.Total);
    }
}
