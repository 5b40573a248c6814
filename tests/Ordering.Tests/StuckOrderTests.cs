extern alias OrderingApi;

using System.Text.Json;
using BuildingBlocks.EventBus;
using BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore;
using TestSupport;
using StuckOrderSweeper = OrderingApi::Ordering.Api.Orders.StuckOrderSweeper;

namespace Ordering.Tests;

/// <summary>
/// The stuck-order sweeper in the running Ordering service (its real hosted service, every 0.5 s here,
/// deadline 10 minutes, give-up age 1 hour): orders are made stuck by moving their timestamps back.
/// </summary>
[Collection(OrderingCollection.Name)]
public sealed class StuckOrderTests(OrderingFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private Task<List<OutboxMessage>> OutboxAsync(string topic, Guid orderId) => fixture.QueryAsync(db =>
        db.Set<OutboxMessage>().AsNoTracking().Where(m => m.Topic == topic && m.PartitionKey == orderId.ToString())
            .OrderBy(m => m.Sequence).ToListAsync());

    /// <summary>Makes the order look placed, and last changed, <paramref name="ago"/> ago.</summary>
    private Task BackdateAsync(Guid orderId, TimeSpan ago) => fixture.QueryAsync(db =>
    {
        var then = DateTimeOffset.UtcNow - ago;
        return db.Orders.Where(o => o.Id == orderId)
            .ExecuteUpdateAsync(set => set.SetProperty(o => o.CreatedAt, then).SetProperty(o => o.UpdatedAt, then));
    });

    private async Task<Guid> PlaceAsync()
    {
        var user = OrderingFixture.NewUser();
        using var client = fixture.ClientFor(user);
        return await fixture.PlaceOrderAsync(client, user);
    }

    [Fact]
    public async Task A_stuck_order_is_re_announced_to_the_workflow_and_one_past_the_give_up_age_is_cancelled()
    {
        var confirmed = await PlaceAsync();
        await fixture.PublishAsync(new OrderStatusChanged(confirmed, "Confirmed", null, SagaSequence.Confirmed), confirmed.ToString());
        await Eventually.TrueAsync(() => fixture.QueryAsync(db => db.Orders.AnyAsync(o => o.Id == confirmed && o.Status == Ordering.Contracts.OrderStatus.Confirmed)),
            "the order to be confirmed", Deadline);
        var stuck = await PlaceAsync();
        var abandoned = await PlaceAsync();

        // The terminal order first: any sweep that sees the other two has seen it too.
        await BackdateAsync(confirmed, TimeSpan.FromHours(3));
        await BackdateAsync(stuck, TimeSpan.FromMinutes(20));
        await BackdateAsync(abandoned, TimeSpan.FromHours(2));

        var submitted = await Eventually.UntilAsync(() => OutboxAsync(Topics.OrderSubmitted, stuck), m => m.Count == 2, Deadline,
            "a second OrderSubmitted for the stuck order");
        var cancel = await Eventually.UntilAsync(() => OutboxAsync(Topics.OrderCancelRequested, abandoned), m => m.Count == 1, Deadline,
            "OrderCancelRequested for the order past the give-up age");

        // The re-announcement: a new event id, the same order and content as the checkout's event.
        var (original, again) = (CloudEvent.FromJson(submitted[0].CloudEvent), CloudEvent.FromJson(submitted[1].CloudEvent));
        Assert.NotEqual(original.Id, again.Id);
        Assert.Equal(stuck.ToString(), again.PartitionKey);
        foreach (var field in new[] { "orderId", "userId", "lines", "total", "basketVersion" })
        {
            Assert.True(JsonElement.DeepEquals(original.Data.GetProperty(field), again.Data.GetProperty(field)), $"{field} differs");
        }

        Assert.Equal(abandoned.ToString(), CloudEvent.FromJson(cancel[0].CloudEvent).Data.GetProperty("orderId").GetString());
        // Cancelled, and announced again so that a saga that never started starts with the cancellation pending.
        Assert.Equal(2, (await OutboxAsync(Topics.OrderSubmitted, abandoned)).Count);
        Assert.Single(await OutboxAsync(Topics.OrderSubmitted, confirmed)); // terminal: left alone
        Assert.Empty(await OutboxAsync(Topics.OrderCancelRequested, confirmed));

        // Nudged means the clock starts again: a whole deadline before the next nudge.
        var updatedAt = await fixture.QueryAsync(db => db.Orders.Where(o => o.Id == stuck).Select(o => o.UpdatedAt).SingleAsync());
        Assert.True(updatedAt > DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10), $"UpdatedAt {updatedAt} was not moved");
    }

    [Fact]
    public async Task The_sweep_reads_unfinished_orders_through_their_partial_index()
    {
        var plan = await fixture.QueryAsync(db =>
            QueryPlans.IndexPlanAsync(db, StuckOrderSweeper.StuckQuery(db, DateTimeOffset.UtcNow, 100)));

        Assert.Contains("ix_orders_unfinished", plan);
    }
}
