using BuildingBlocks.EventBus;
using Microsoft.EntityFrameworkCore;
using Ordering.Contracts;
using Payment.Data;
using Payment.IntegrationEvents.Events;

namespace Payment.IntegrationEvents.EventHandling;

/// <summary>
/// Records an order's final status for the reconciler. Idempotent and order-proof: a status replaces
/// the recorded one only if its sequence is higher (a confirmed order cancelled later), so a
/// redelivered or late event changes nothing.
/// </summary>
public sealed class OrderStatusChangedHandler(PaymentContext db, TimeProvider clock) : IIntegrationEventHandler<OrderStatusChanged>
{
    public async Task HandleAsync(OrderStatusChanged @event, CancellationToken cancellationToken)
    {
        if (!@event.Status.IsFinal())
        {
            return; // only final statuses say what the money should be
        }

        var status = @event.Status.ToString();
        var reason = @event.Reason?.ToString();

        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO order_final_statuses ("OrderId", "Status", "Reason", "Sequence", "RecordedAt")
            VALUES ({@event.OrderId}, {status}, {reason}, {@event.Sequence}, {clock.GetUtcNow()})
            ON CONFLICT ("OrderId") DO UPDATE
                SET "Status" = EXCLUDED."Status", "Reason" = EXCLUDED."Reason", "Sequence" = EXCLUDED."Sequence",
                    "RecordedAt" = EXCLUDED."RecordedAt", "ReportedAt" = NULL
                WHERE order_final_statuses."Sequence" < EXCLUDED."Sequence"
            """, cancellationToken);
    }
}
