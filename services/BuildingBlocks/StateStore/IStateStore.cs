namespace BuildingBlocks.StateStore;

/// <summary>A value and the ETag that names its version.</summary>
public sealed record StateEntry<T>(T Value, string ETag);

/// <summary>
/// Key/value state with optimistic concurrency (carts and the like). The seam between Dapr's state
/// API and Redis. A save or delete with an ETag succeeds only if the stored version still has that
/// ETag; otherwise it throws <see cref="StateConcurrencyException"/>: a stale write is never silent.
/// Without an ETag, a save creates or overwrites (last write wins).
/// </summary>
public interface IStateStore
{
    Task<StateEntry<T>?> GetAsync<T>(string key, CancellationToken cancellationToken = default);

    /// <returns>The new ETag.</returns>
    Task<string> SaveAsync<T>(string key, T value, string? etag = null, CancellationToken cancellationToken = default);

    /// <returns>Whether something was deleted.</returns>
    Task<bool> DeleteAsync(string key, string? etag = null, CancellationToken cancellationToken = default);
}

/// <summary>The stored version no longer has the ETag the caller read: reload and retry.</summary>
public sealed class StateConcurrencyException(string key)
    : Exception($"The state of '{key}' changed since it was read (ETag mismatch).")
{
    public string Key { get; } = key;
}
