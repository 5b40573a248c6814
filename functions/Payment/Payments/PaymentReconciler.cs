using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payment.Data;

namespace Payment.Payments;

public sealed class ReconciliationOptions
{
    public const string SectionName = "PaymentReconciliation";

    /// <summary>
    /// How long an order's final status and its payment must have been left alone before a mismatch
    /// counts: a confirmed order being cancelled is refunded before its Cancelled status arrives.
    /// </summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>The reconciler's counter: <c>payment.reconciliation.repairs</c>, tagged by kind and outcome.</summary>
public sealed class ReconciliationMetrics
{
    /// <summary>Payment's meter (registered with OpenTelemetry in <c>AddPaymentServices</c>).</summary>
    public const string MeterName = "Ecommerce.Payment";

    public const string Refund = "refund";
    public const string Void = "void";
    public const string ConfirmedNotCaptured = "confirmed-not-captured";

    private readonly Counter<long> _repairs;

    public ReconciliationMetrics(IMeterFactory meters) =>
        _repairs = meters.Create(MeterName).CreateCounter<long>("payment.reconciliation.repairs",
            description: "Mismatches between a payment and its order's final status that the reconciler repaired or reported.");

    public void Repaired(string kind, string outcome) =>
        _repairs.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("outcome", outcome));
}

/// <summary>
/// Holds every payment against its order's final status (from <c>workflow.order-status-changed</c>)
/// and repairs what disagrees, whatever left it so: a captured payment of a Cancelled order is
/// refunded, an authorization of a Cancelled order is voided, and a Confirmed order whose payment is
/// not captured is reported (never charged: the shopper did not agree to a new charge). One log line
/// and one count per repair. The repairs are the service's own idempotent operations (same keys as
/// the saga's), so a repair racing the saga's compensation charges or refunds nothing twice.
/// </summary>
public sealed class PaymentReconciler(
    PaymentContext db,
    PaymentService payments,
    ReconciliationMetrics metrics,
    IOptions<ReconciliationOptions> options,
    TimeProvider clock,
    ILogger<PaymentReconciler> logger)
{
    /// <returns>Mismatches found (each repaired or reported, or logged as failed and left for the next run).</returns>
    public async Task<int> ReconcileAsync(int maxOrders, CancellationToken cancellationToken)
    {
        var settled = clock.GetUtcNow() - options.Value.Grace;
        var mismatches = await (
                from order in db.OrderFinalStatuses
                join payment in db.Payments on order.OrderId equals payment.OrderId
                where order.RecordedAt <= settled && payment.UpdatedAt <= settled
                      && (order.Status == OrderFinalStatus.Cancelled && (payment.Status == PaymentStatus.Captured || payment.Status == PaymentStatus.Authorized)
                          || order.Status == OrderFinalStatus.Confirmed && payment.Status != PaymentStatus.Captured && order.ReportedAt == null)
                orderby order.RecordedAt
                select new { order.OrderId, order.Status, order.Reason, Payment = payment.Status })
            .AsNoTracking().Take(maxOrders).ToListAsync(cancellationToken);

        foreach (var mismatch in mismatches)
        {
            try
            {
                await RepairAsync(mismatch.OrderId, mismatch.Status, mismatch.Reason, mismatch.Payment, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // One order's failure must not stop the others; it is found again next run.
                logger.LogError(ex, "Reconciliation: order {OrderId} is {OrderStatus} with its payment {PaymentStatus}; the repair failed",
                    mismatch.OrderId, mismatch.Status, mismatch.Payment);
            }
        }

        return mismatches.Count;
    }

    private async Task RepairAsync(Guid orderId, string orderStatus, string? reason, PaymentStatus found, CancellationToken cancellationToken)
    {
        if (orderStatus == OrderFinalStatus.Confirmed)
        {
            logger.LogError("Reconciliation: order {OrderId} is Confirmed but its payment is {PaymentStatus}; reported, not charged",
                orderId, found);
            await db.OrderFinalStatuses.Where(o => o.OrderId == orderId)
                .ExecuteUpdateAsync(set => set.SetProperty(o => o.ReportedAt, clock.GetUtcNow()), cancellationToken);
            metrics.Repaired(ReconciliationMetrics.ConfirmedNotCaptured, "Reported");
            return;
        }

        var (kind, result) = found == PaymentStatus.Captured
            ? (ReconciliationMetrics.Refund, await payments.RefundAsync(orderId, cancellationToken))
            : (ReconciliationMetrics.Void, await payments.VoidAsync(orderId, cancellationToken));
        logger.LogWarning("Reconciliation: order {OrderId} is Cancelled ({Reason}) but its payment was {PaymentStatus}; {Repair} answered {Outcome}, payment now {Status}",
            orderId, reason, found, kind, result.Outcome, result.Status);
        metrics.Repaired(kind, result.Outcome.ToString());
    }
}
