using System.Net;
using System.Net.Http.Json;
using BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore;
using TestSupport;

namespace Ordering.Tests;

/// <summary>
/// The order's status as the checkout saga reports it (OrderStatusChanged on the real bus, handled by
/// Ordering's registered handler), and cancellation, which Ordering only requests (OrderCancelRequested).
/// </summary>
[Collection(OrderingCollection.Name)]
public sealed class OrderStatusTests(OrderingFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private Task<OrderView> GetAsync(HttpClient client, Guid orderId) =>
        client.GetFromJsonAsync<OrderView>($"/api/orders/{orderId}")!;

    private Task<int> OutboxCountAsync(string topic, Guid orderId) => fixture.QueryAsync(db =>
        db.Set<OutboxMessage>().CountAsync(m => m.Topic == topic && m.PartitionKey == orderId.ToString()));

    /// <summary>Publishes the event and waits until Ordering has handled it (its inbox records every handled event).</summary>
    private async Task DeliverAsync(OrderStatusChanged @event)
    {
        await fixture.PublishAsync(@event, @event.OrderId.ToString());
        await Eventually.TrueAsync(
            () => fixture.QueryAsync(db => db.Set<InboxMessage>().AnyAsync(m => m.EventId == @event.Id)),
            $"Ordering to handle {@event.Status} ({@event.Id})", Deadline);
    }

    [Fact]
    public async Task An_order_names_its_buyer_once_Identity_has_announced_the_account()
    {
        var user = OrderingFixture.NewUser();
        using var client = fixture.ClientFor(user);
        var orderId = await fixture.PlaceOrderAsync(client, user);
        Assert.Null((await GetAsync(client, orderId)).BuyerName);

        var registered = new UserRegistered(user, $"{user}@example.com", "Grace Hopper", DateTimeOffset.UtcNow);
        await fixture.PublishAsync(registered, user);

        var order = await Eventually.UntilAsync(() => GetAsync(client, orderId), o => o.BuyerName is not null,
            Deadline, "the order to name its buyer");
        Assert.Equal("Grace Hopper", order.BuyerName);
    }

    [Fact]
    public async Task Cancelling_an_order_answers_202_and_records_OrderCancelRequested()
    {
        var user = OrderingFixture.NewUser();
        using var client = fixture.ClientFor(user);
        var orderId = await fixture.PlaceOrderAsync(client, user);

        var response = await client.PostAsync($"/api/orders/{orderId}/cancel", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/orders/{orderId}", response.Headers.Location?.OriginalString);
        Assert.Equal(1, await OutboxCountAsync(Topics.OrderCancelRequested, orderId));
        // The saga cancels; until it reports so, the order keeps its status.
        Assert.Equal("Submitted", (await GetAsync(client, orderId)).Status);
    }

    [Fact]
    public async Task A_confirmed_order_can_still_be_cancelled_for_a_refund()
    {
        var user = OrderingFixture.NewUser();
        using var client = fixture.ClientFor(user);
        var orderId = await fixture.PlaceOrderAsync(client, user);
        await DeliverAsync(new OrderStatusChanged(orderId, "Confirmed", null, SagaSequence.Confirmed));

        var response = await client.PostAsync($"/api/orders/{orderId}/cancel", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, await OutboxCountAsync(Topics.OrderCancelRequested, orderId));
    }

    [Fact]
    public async Task Cancelling_a_cancelled_order_is_409_and_requests_nothing()
    {
        var user = OrderingFixture.NewUser();
        using var client = fixture.ClientFor(user);
        var orderId = await fixture.PlaceOrderAsync(client, user);
        await DeliverAsync(new OrderStatusChanged(orderId, "Cancelled", "PaymentDeclined", SagaSequence.Cancelled));
        var cancelled = await GetAsync(client, orderId);
        Assert.Equal(("Cancelled", "PaymentDeclined"), (cancelled.Status, cancelled.Reason));

        var response = await client.PostAsync($"/api/orders/{orderId}/cancel", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(0, await OutboxCountAsync(Topics.OrderCancelRequested, orderId));
    }

    [Fact]
    public async Task The_status_only_moves_forward_when_events_arrive_out_of_order()
    {
        var user = OrderingFixture.NewUser();
        using var client = fixture.ClientFor(user);
        var orderId = await fixture.PlaceOrderAsync(client, user);

        await DeliverAsync(new OrderStatusChanged(orderId, "Paid", null, SagaSequence.Paid));
        Assert.Equal("Paid", (await GetAsync(client, orderId)).Status);

        // An earlier step's event arriving late changes nothing.
        await DeliverAsync(new OrderStatusChanged(orderId, "StockReserved", null, SagaSequence.StockReserved));
        Assert.Equal("Paid", (await GetAsync(client, orderId)).Status);

        await DeliverAsync(new OrderStatusChanged(orderId, "Confirmed", null, SagaSequence.Confirmed));
        Assert.Equal("Confirmed", (await GetAsync(client, orderId)).Status);

        // The same step again changes nothing; a cancellation after confirmation (a refund) moves on,
        // and a confirmation delivered again after it does not move the order back.
        await DeliverAsync(new OrderStatusChanged(orderId, "Paid", null, SagaSequence.Paid));
        await DeliverAsync(new OrderStatusChanged(orderId, "Cancelled", "CancelledByUser", SagaSequence.Cancelled));
        await DeliverAsync(new OrderStatusChanged(orderId, "Confirmed", null, SagaSequence.Confirmed));
        var final = await GetAsync(client, orderId);
        Assert.Equal(("Cancelled", "CancelledByUser"), (final.Status, final.Reason));
    }
}
