using System.Text.Json;
using BuildingBlocks.StateStore;
using Dapr.Client;

namespace BuildingBlocks.Dapr;

/// <summary>
/// <see cref="IStateStore"/> on the Dapr state API (state.redis in Kubernetes). Dapr reports an
/// ETag mismatch as a failed Try* call; it becomes a <see cref="StateConcurrencyException"/>.
/// </summary>
internal sealed class DaprStateStore(DaprClient dapr) : IStateStore
{
    // First-write: a save or delete with an ETag fails unless the stored version still has it.
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

    public async Task<StateEntry<T>?> GetAsync<T>(string key, CancellationToken cancellationToken = default)
    {
        var (value, etag) = await dapr.GetStateAndETagAsync<T>(DaprComponents.StateStore, key, cancellationToken: cancellationToken);

        // Dapr answers a missing key with no data and no ETag.
        return string.IsNullOrEmpty(etag) ? null : new StateEntry<T>(value, etag);
    }

    public async Task<string> SaveAsync<T>(string key, T value, string? etag = null, CancellationToken cancellationToken = default)
    {
        if (etag is null)
        {
            await dapr.SaveStateAsync(DaprComponents.StateStore, key, value, cancellationToken: cancellationToken);
        }
        else if (!await dapr.TrySaveStateAsync(DaprComponents.StateStore, key, value, etag, FirstWrite, cancellationToken: cancellationToken))
        {
            throw new StateConcurrencyException(key);
        }

        // Dapr's save returns no ETag, so the new one is read back. If another writer saved in between,
        // the version read back is theirs: handing out its ETag would let the caller's next conditional
        // save overwrite their change unseen. So the ETag is returned only when the stored bytes are
        // ours; otherwise the caller gets one that matches nothing, and its next save reports a conflict.
        var (stored, newETag) = await dapr.GetByteStateAndETagAsync(DaprComponents.StateStore, key, cancellationToken: cancellationToken);
        if (string.IsNullOrEmpty(newETag))
        {
            throw new StateConcurrencyException(key); // deleted right after our save
        }

        var ours = JsonSerializer.SerializeToUtf8Bytes(value, dapr.JsonSerializerOptions);
        return stored.Span.SequenceEqual(ours) ? newETag : SupersededETag;
    }

    /// <summary>Matches no stored version: a conditional save or delete with it always conflicts.</summary>
    internal const string SupersededETag = "superseded-by-a-concurrent-write";

    public async Task<bool> DeleteAsync(string key, string? etag = null, CancellationToken cancellationToken = default)
    {
        if (etag is not null)
        {
            // A matching ETag proves the key existed; a mismatch (or a key deleted since) is a conflict.
            return await dapr.TryDeleteStateAsync(DaprComponents.StateStore, key, etag, FirstWrite, cancellationToken: cancellationToken)
                ? true
                : throw new StateConcurrencyException(key);
        }

        // Dapr's delete does not say whether the key existed: look first (a concurrent delete in between
        // can make both callers report true, which is harmless for an unconditional delete).
        var (_, current) = await dapr.GetByteStateAndETagAsync(DaprComponents.StateStore, key, cancellationToken: cancellationToken);
        if (string.IsNullOrEmpty(current))
        {
            return false;
        }

        await dapr.DeleteStateAsync(DaprComponents.StateStore, key, cancellationToken: cancellationToken);
        return true;
    }
}
