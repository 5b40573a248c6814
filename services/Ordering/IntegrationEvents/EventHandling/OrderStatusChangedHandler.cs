using BuildingBlocks.EventBus;
using Microsoft.EntityFrameworkCore;
using Ordering.Api.Data;
using Ordering.Api.IntegrationEvents.Events;
using Ordering.Contracts;

namespace Ordering.Api.IntegrationEvents.EventHandling;

/// <summary>
/// Shows the checkout saga's progress on the order. Status events apply in the workflow's order (a late
/// one changes nothing), and a redelivery changes nothing. A final status also deletes the order's payment token.
/// </summary>
public sealed class OrderStatusChangedHandler(OrderingContext db, TimeProvider clock) : IIntegrationEventHandler<OrderStatusChanged>
{
    public async Task HandleAsync(OrderStatusChanged @event, CancellationToken cancellationToken)
    {
        var status = @event.Status.ToString();
        var reason = @event.Reason?.ToString();
        var final = @event.Status.IsFinal();
        var now = clock.GetUtcNow();
        // One statement, so atomic and one round trip (three status events per checkout): the event is
        // recorded in the inbox, and only if it is new is the status applied (when newer than the order's)
        // and, for a final status, the payment token deleted; nothing will charge the order any more.
        await db.Database.ExecuteSqlAsync($"""
            WITH handled AS (
                INSERT INTO inbox_messages (consumer, event_id, processed_at) VALUES ('ordering', {@event.Id}, {now})
                ON CONFLICT DO NOTHING RETURNING 1),
            applied AS (
                UPDATE orders SET "Status" = {status}, "Reason" = {reason}, "StatusSequence" = {@event.Sequence}, "UpdatedAt" = {now}
                WHERE "Id" = {@event.OrderId} AND "StatusSequence" < {@event.Sequence} AND EXISTS (SELECT 1 FROM handled))
            DELETE FROM order_payment_tokens WHERE order_id = {@event.OrderId} AND {final} AND EXISTS (SELECT 1 FROM handled)
            """, cancellationToken);
    }
}
