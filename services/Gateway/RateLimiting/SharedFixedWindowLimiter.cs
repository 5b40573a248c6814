using System.Threading.RateLimiting;

namespace Gateway.RateLimiting;

/// <summary>
/// One client's fixed window as a <see cref="RateLimiter"/> for ASP.NET Core rate limiting, counted by the
/// <see cref="SharedWindowCounter"/> and decided locally in between: after asking Redis, the replica decides the
/// client's next requests itself for <paramref name="syncInterval"/> (the window's count it learned plus what it
/// granted since), then hands Redis what it granted with the next request that asks. A client sending many
/// requests costs one Redis round trip per interval instead of one per request; one sending fewer than one per
/// interval is counted exactly as before. The replicas together may grant past the limit by what the others
/// granted within one interval; a replica alone never does. <see cref="TimeSpan.Zero"/> asks Redis every time.
/// The synchronous attempt always declines, so the middleware goes on to <see cref="AcquireAsyncCore"/>, which
/// answers without awaiting when it decides locally; nothing is queued.
/// </summary>
public sealed class SharedFixedWindowLimiter(SharedWindowCounter counter, string key, int limit, TimeSpan window,
    TimeSpan syncInterval, TimeProvider clock) : RateLimiter
{
    private static readonly RateLimitLease AskAsynchronously = new WindowLease(new WindowDecision(false, null));

    private readonly Lock _gate = new();
    private long _lastUsed = clock.GetTimestamp();
    private long _known;          // the window's count in Redis when last asked, this replica's permits included
    private long _grantedSince;   // permits granted here since then
    private long _askedAt;        // when Redis was last asked (timestamp)
    private long _windowEndsAt;   // when the window ends (timestamp); nothing is known before the first answer

    // The count lives in the counter, so the partitioned limiter may drop this one once it has been idle a while (it
    // drops limiters idle for more than 10 s); a growing idle time is what lets it. Permits granted here since the
    // last question go with it, never reaching Redis: at most one interval's worth, the bound the class states.
    public override TimeSpan? IdleDuration => clock.GetElapsedTime(Interlocked.Read(ref _lastUsed));

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => AskAsynchronously;

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        var now = clock.GetTimestamp();
        Interlocked.Exchange(ref _lastUsed, now);
        long granted;
        lock (_gate)
        {
            if (now < _windowEndsAt && clock.GetElapsedTime(_askedAt, now) < syncInterval)
            {
                return ValueTask.FromResult<RateLimitLease>(DecideLocally(permitCount, now));
            }

            // This request asks; requests meanwhile decide on what is known.
            granted = _grantedSince;
            _grantedSince = 0;
            _askedAt = now;
        }

        return AskAsync(permitCount, granted, now, cancellationToken);
    }

    private async ValueTask<RateLimitLease> AskAsync(int permitCount, long granted, long askedAt, CancellationToken cancellationToken)
    {
        var decision = await counter.TakeAsync(key, permitCount, limit, window, granted, cancellationToken);
        lock (_gate)
        {
            if (decision is { Count: { } count, RetryAfter: { } left })
            {
                _known = count;
                _windowEndsAt = askedAt + (long)(left.TotalSeconds * clock.TimestampFrequency);
            }
            else
            {
                // Counted on the replica's own (Redis away): ask again next time.
                _windowEndsAt = 0;
            }
        }

        return new WindowLease(decision);
    }

    private WindowLease DecideLocally(int permitCount, long now)
    {
        var used = _known + _grantedSince;
        if (permitCount == 0 ? used < limit : used + permitCount <= limit)
        {
            _grantedSince += permitCount;
            return new WindowLease(new WindowDecision(true, null));
        }

        var left = clock.GetElapsedTime(now, _windowEndsAt);
        return new WindowLease(new WindowDecision(false, left > TimeSpan.Zero ? left : window));
    }

    private sealed class WindowLease(WindowDecision decision) : RateLimitLease
    {
        public override bool IsAcquired => decision.Allowed;

        public override IEnumerable<string> MetadataNames =>
            decision.RetryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (metadataName == MetadataName.RetryAfter.Name && decision.RetryAfter is { } retryAfter)
            {
                metadata = retryAfter;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
