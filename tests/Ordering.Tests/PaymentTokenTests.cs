using System.Net;
using System.Net.Http.Json;
using BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore;
using TestSupport;

namespace Ordering.Tests;

/// <summary>
/// The payment token stays out of OrderSubmitted: Ordering keeps it and serves it to the order workflow on
/// its internal route, until the order reaches a final status.
/// </summary>
[Collection(OrderingCollection.Name)]
public sealed class PaymentTokenTests(OrderingFixture fixture)
{
    private sealed record PaymentTokenView(Guid OrderId, string PaymentToken);

    private static string Route(Guid orderId) => $"/internal/orders/{orderId}/payment-token";

    private async Task<Guid> CheckOutAsync(HttpClient client, string user, string paymentToken)
    {
        fixture.Basket.Fill(user, (Random.Shared.Next(1, 1_000_000), "Mug", 1, 8m));
        var response = await OrderingFixture.CheckoutAsync(client, Guid.NewGuid().ToString(), OrderingFixture.CheckoutBody(paymentToken));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Accepted>())!.OrderId;
    }

    /// <summary>Publishes the status and waits until Ordering has handled it (its inbox records every handled event).</summary>
    private async Task DeliverAsync(OrderStatusChanged @event)
    {
        await fixture.PublishAsync(@event, @event.OrderId.ToString());
        await Eventually.TrueAsync(
            () => fixture.QueryAsync(db => db.Set<InboxMessage>().AnyAsync(m => m.EventId == @event.Id)),
            $"Ordering to handle {@event.Status} ({@event.Id})", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task The_token_is_not_in_the_OrderSubmitted_event_and_is_served_on_the_internal_route()
    {
        var user = OrderingFixture.NewUser();
        using var client = fixture.ClientFor(user);
        var orderId = await CheckOutAsync(client, user, "tok_secret_4242");

        var submitted = await fixture.QueryAsync(db =>
            db.Set<OutboxMessage>().SingleAsync(m => m.Topic == Topics.OrderSubmitted && m.PartitionKey == orderId.ToString()));
        Assert.DoesNotContain("tok_secret_4242", submitted.CloudEvent, StringComparison.Ordinal);

        // The workflow's call, with its own service token.
        using var workflow = fixture.ServiceClientFor("orderworkflow");
        Assert.Equal(new PaymentTokenView(orderId, "tok_secret_4242"), await workflow.GetFromJsonAsync<PaymentTokenView>(Route(orderId)));
    }

    [Fact]
    public async Task The_internal_route_admits_only_the_workflows_token_and_is_404_for_an_unknown_order()
    {
        var user = OrderingFixture.NewUser();
        using var buyer = fixture.ClientFor(user);
        var orderId = await CheckOutAsync(buyer, user, "tok_ok");
        using var workflow = fixture.ServiceClientFor("orderworkflow");
        using var anotherService = fixture.ServiceClientFor("basket");

        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Anonymous.GetAsync(Route(orderId))).StatusCode);
        // Not even the order's own buyer reads the token back, nor a service other than the workflow.
        Assert.Equal(HttpStatusCode.Forbidden, (await buyer.GetAsync(Route(orderId))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anotherService.GetAsync(Route(orderId))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await workflow.GetAsync(Route(orderId))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await workflow.GetAsync(Route(Guid.NewGuid()))).StatusCode);
    }

    [Theory]
    [InlineData("Confirmed", SagaSequence.Confirmed)]
    [InlineData("Cancelled", SagaSequence.Cancelled)]
    public async Task The_token_is_kept_through_the_saga_and_deleted_at_a_final_status(string finalStatus, int sequence)
    {
        var user = OrderingFixture.NewUser();
        using var client = fixture.ClientFor(user);
        using var workflow = fixture.ServiceClientFor("orderworkflow");
        var orderId = await CheckOutAsync(client, user, "tok_ok");

        await DeliverAsync(new OrderStatusChanged(orderId, "Paid", null, SagaSequence.Paid));
        Assert.Equal(HttpStatusCode.OK, (await workflow.GetAsync(Route(orderId))).StatusCode);

        await DeliverAsync(new OrderStatusChanged(orderId, finalStatus, finalStatus == "Cancelled" ? "CancelledByUser" : null, sequence));

        Assert.Equal(HttpStatusCode.NotFound, (await workflow.GetAsync(Route(orderId))).StatusCode);
        Assert.Equal(0, await fixture.QueryAsync(db => db.PaymentTokens.CountAsync(t => t.OrderId == orderId)));
        Assert.Equal(finalStatus, (await client.GetFromJsonAsync<OrderView>($"/api/orders/{orderId}"))!.Status);
    }
}
