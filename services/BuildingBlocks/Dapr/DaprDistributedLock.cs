using BuildingBlocks.Locking;
using Dapr.Client;

namespace BuildingBlocks.Dapr;

// Dapr's distributed lock API is alpha (TryLockAlpha1/UnlockAlpha1) and the SDK flags it with
// DAPR_DISTRIBUTEDLOCK. It is the API we mean to use; the adapter confines it to this file.
#pragma warning disable DAPR_DISTRIBUTEDLOCK

/// <summary>
/// <see cref="IDistributedLock"/> on the Dapr lock API (lock.redis in Kubernetes). Dapr leases are
/// whole seconds, so a lease is rounded up (at least one second). Dapr has no renew operation:
/// <see cref="RenewAsync"/> throws <see cref="NotSupportedException"/>.
/// </summary>
internal sealed class DaprDistributedLock(DaprClient dapr) : IDistributedLock
{
    public async Task<bool> TryAcquireAsync(string resource, string owner, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        // Not disposed on purpose: disposing a TryLockResponse unlocks, and the lock must outlive this call.
        var response = await dapr.Lock(DaprComponents.LockStore, resource, owner, LeaseSeconds(lease), cancellationToken);
        return response.Success;
    }

    /// <summary>Not supported: Dapr's lock API cannot extend a lease. Size leases for the whole job, or release and re-acquire.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public Task<bool> RenewAsync(string resource, string owner, TimeSpan lease, CancellationToken cancellationToken = default) =>
        Task.FromException<bool>(new NotSupportedException(
            "Dapr's distributed lock API has no renew operation: a lease cannot be extended. " +
            "Acquire with a lease long enough for the work, or release and acquire again."));

    public async Task<LockRelease> ReleaseAsync(string resource, string owner, CancellationToken cancellationToken = default)
    {
        var response = await dapr.Unlock(DaprComponents.LockStore, resource, owner, cancellationToken);
        return response.status switch
        {
            LockStatus.Success => LockRelease.Released,
            LockStatus.LockDoesNotExist => LockRelease.NotHeld,
            LockStatus.LockBelongsToOthers => LockRelease.HeldByAnotherOwner,
            var status => throw new InvalidOperationException($"Dapr could not release lock '{resource}' ({status})."),
        };
    }

    internal static int LeaseSeconds(TimeSpan lease) => (int)Math.Clamp(Math.Ceiling(lease.TotalSeconds), 1, int.MaxValue);
}
