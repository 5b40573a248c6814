using System.Collections.Concurrent;

namespace Gateway.RateLimiting;

/// <summary>
/// The fixed windows one gateway replica counts on its own while Redis is away (<see cref="SharedWindowCounter"/>):
/// the same keys, limits and window lengths as in Redis, nothing shared. As in Redis, a window starts with its first
/// request and ends by the clock. Nothing runs between requests: the requests themselves let ended windows go, at most
/// once per <see cref="SweepInterval"/>. (ASP.NET Core's partitioned limiter, used here before, ticks every 100 ms from
/// its first use until the process ends, so a single stall of Redis left the gateway busy at rest for good.)
/// </summary>
public sealed class LocalWindows(TimeProvider clock)
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly SweepSchedule _sweeps = new(clock, SweepInterval);

    /// <summary>How many windows are held.</summary>
    public int Count => _windows.Count;

    /// <summary>Takes <paramref name="permits"/> from <paramref name="key"/>'s window; with 0 permits only asks whether any are left.</summary>
    public WindowDecision Take(string key, int permits, int limit, TimeSpan window)
    {
        var now = clock.GetTimestamp();
        SweepIfDue(now);
        var counted = _windows.GetOrAdd(key, static _ => new Window());
        lock (counted)
        {
            if (counted.EndsAt <= now)
            {
                counted.EndsAt = now + (long)(window.TotalSeconds * clock.TimestampFrequency);
                counted.Count = 0;
            }

            var allowed = permits == 0 ? counted.Count < limit : counted.Count + permits <= limit;
            if (allowed)
            {
                counted.Count += permits;
            }

            return new WindowDecision(allowed, allowed ? null : clock.GetElapsedTime(now, counted.EndsAt));
        }
    }

    private void SweepIfDue(long now)
    {
        if (!_sweeps.TryClaim(now))
        {
            return;
        }

        foreach (var entry in _windows)
        {
            // A request that starts a new window while the old one goes may count in the instance let go: one permit
            // uncounted, never one refused.
            if (Volatile.Read(ref entry.Value.EndsAt) <= now)
            {
                _windows.TryRemove(entry);
            }
        }
    }

    private sealed class Window
    {
        public long EndsAt; // timestamp; 0 until the first request
        public long Count;
    }
}
