using BuildingBlocks.Data;
using BuildingBlocks.EventBus;
using BuildingBlocks.Inbox;
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
        var reason = @event.Reason?.ToString();
        await db.InTransactionAsync(async token =>
        {
            if (!await db.TryMarkProcessedAsync("ordering", @event.Id, token))
            {
                return;
            }

            await db.Orders.Where(o => o.Id == @event.OrderId && o.StatusSequence < @event.Sequence)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(o => o.Status, @event.Status)
                    .SetProperty(o => o.Reason, reason)
                    .SetProperty(o => o.StatusSequence, @event.Sequence)
                    .SetProperty(o => o.UpdatedAt, clock.GetUtcNow()), token);

            // A final status: nothing will charge the order any more, so its payment token goes.
            if (@event.Status.IsFinal())
            {
                await db.PaymentTokens.Where(t => t.OrderId == @event.OrderId).ExecuteDeleteAsync(token);
            }
        }, cancellationToken);
    }
}
