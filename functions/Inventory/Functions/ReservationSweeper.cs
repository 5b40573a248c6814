using BuildingBlocks.Locking;
using Inventory.Stock;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Inventory.Functions;

/// <summary>
/// Releases reservations whose TTL ran out (abandoned checkouts). Timers fire on every replica, so the
/// sweep holds a distributed lock: one replica sweeps at a time.
/// </summary>
public sealed class ReservationSweeper(StockReservations reservations, IDistributedLock distributedLock, ILogger<ReservationSweeper> logger)
{
    private static readonly string Owner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
    /// <summary>The lock a sweep holds; one replica sweeps at a time.</summary>
    public const string LockName = "inventory:reservation-sweeper";

    [Function("ReleaseExpiredReservations")]
    public async Task Run([TimerTrigger("%InventorySweepSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (!await distributedLock.TryAcquireAsync(LockName, Owner, TimeSpan.FromMinutes(1), cancellationToken))
        {
            return;
        }

        try
        {
            var released = await reservations.ReleaseExpiredAsync(maxOrders: 500, cancellationToken);
            if (released.Count > 0)
            {
                logger.LogInformation("Released the expired reservations of {Count} orders", released.Count);
            }
        }
        finally
        {
            await distributedLock.ReleaseOrLetLapseAsync(LockName, Owner, logger);
        }
    }
}
