namespace BuildingBlocks.Locking;

/// <summary>
/// Mutual exclusion across replicas: single-runner jobs, hot SKUs. The seam between Dapr's lock API
/// (lock.redis) and Redis. A lock has an owner and a lease: it frees itself when the lease expires,
/// and only its owner can renew or release it.
/// </summary>
public interface IDistributedLock
{
    /// <returns>True if <paramref name="owner"/> now holds the lock for <paramref name="lease"/>.</returns>
    Task<bool> TryAcquireAsync(string resource, string owner, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <returns>True if <paramref name="owner"/> held the lock and its lease now runs <paramref name="lease"/> from now.</returns>
    Task<bool> RenewAsync(string resource, string owner, TimeSpan lease, CancellationToken cancellationToken = default);

    Task<LockRelease> ReleaseAsync(string resource, string owner, CancellationToken cancellationToken = default);
}

/// <summary>What a release found: mirrors Dapr's unlock status.</summary>
public enum LockRelease
{
    Released,
    NotHeld,
    HeldByAnotherOwner,
}
