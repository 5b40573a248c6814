using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Gateway.RateLimiting;

/// <summary>
/// The limiter of every client seen lately, one per partition key, created by the partition's factory on first use
/// and let go once it has been idle for <see cref="IdleLimit"/>. The requests themselves sweep, at most once per
/// <see cref="SweepInterval"/>: nothing runs while no request comes (ASP.NET Core's partitioned limiter ticks every
/// 100 ms for as long as the process runs). A client's count lives in the <see cref="SharedWindowCounter"/>, so a
/// limiter let go loses at most what it granted since it last asked Redis, the bound its class states.
/// </summary>
public sealed class ClientLimiters(TimeProvider clock)
{
    public static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, RateLimiter> _limiters = new(StringComparer.Ordinal);
    private readonly SweepSchedule _sweeps = new(clock, SweepInterval);

    /// <summary>How many clients' limiters are held.</summary>
    public int Count => _limiters.Count;

    public RateLimiter For(RateLimitPartition<string> partition)
    {
        SweepIfDue();
        // Two requests of a new client may both create one; the one not stored is dropped unused.
        return _limiters.GetOrAdd(partition.PartitionKey, static (key, factory) => factory(key), partition.Factory);
    }

    private void SweepIfDue()
    {
        if (!_sweeps.TryClaim(clock.GetTimestamp()))
        {
            return;
        }

        foreach (var entry in _limiters)
        {
            // Not disposed: a request may still hold it, and it holds nothing that needs releasing.
            if (entry.Value.IdleDuration is { } idle && idle > IdleLimit)
            {
                _limiters.TryRemove(entry);
            }
        }
    }
}
