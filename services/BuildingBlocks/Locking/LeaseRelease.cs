using Microsoft.Extensions.Logging;

namespace BuildingBlocks.Locking;

/// <summary>Giving back a lease that would lapse by itself anyway: when a job ends, fails or its host stops.</summary>
public static class LeaseRelease
{
    /// <summary>
    /// How long such a release may wait for the lock store. It only lets the next owner in before the lease lapses;
    /// a stopping host must not wait a client timeout for it (a frozen Redis held each service's stop for 5 s per lease).
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Releases <paramref name="resource"/> if the lock store answers within <see cref="Timeout"/>, and otherwise leaves the
    /// lease to lapse. Never throws: a failure is logged at Debug.
    /// </summary>
    public static async Task ReleaseOrLetLapseAsync(this IDistributedLock distributedLock, string resource, string owner, ILogger logger)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await distributedLock.ReleaseAsync(resource, owner, timeout.Token);
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Could not release {Resource}; its lease lapses by itself", resource);
        }
    }
}
