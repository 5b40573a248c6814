using BuildingBlocks.Locking;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Payment.Payments;

namespace Payment.Functions;

/// <summary>
/// Runs the payment reconciler on its schedule (<c>PaymentReconcileSchedule</c>). Timers fire on every
/// replica, so a tick holds a distributed lock: one replica reconciles at a time. Any failure is logged
/// and the next tick tries again.
/// </summary>
public sealed class ReconcilePaymentsFunction(PaymentReconciler reconciler, IDistributedLock distributedLock, ILogger<ReconcilePaymentsFunction> logger)
{
    private static readonly string Owner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
    private const string LockName = "payment:reconciler";

    [Function("ReconcilePayments")]
    public async Task Run([TimerTrigger("%PaymentReconcileSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        try
        {
            if (!await distributedLock.TryAcquireAsync(LockName, Owner, TimeSpan.FromMinutes(1), cancellationToken))
            {
                return;
            }

            try
            {
                await reconciler.ReconcileAsync(maxOrders: 500, cancellationToken);
            }
            finally
            {
                await distributedLock.ReleaseOrLetLapseAsync(LockName, Owner, logger);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Payment reconciliation failed; the next tick tries again");
        }
    }
}
