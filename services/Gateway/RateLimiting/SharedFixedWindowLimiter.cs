using System.Diagnostics;
using System.Threading.RateLimiting;

namespace Gateway.RateLimiting;

/// <summary>
/// One client's fixed window as a <see cref="RateLimiter"/> for ASP.NET Core rate limiting, counted by
/// the <see cref="SharedWindowCounter"/>. The counter needs a round trip, so the synchronous attempt
/// always declines and the middleware goes on to <see cref="AcquireAsyncCore"/>; nothing is queued.
/// </summary>
public sealed class SharedFixedWindowLimiter(SharedWindowCounter counter, string key, int limit, TimeSpan window) : RateLimiter
{
    private static readonly RateLimitLease AskAsynchronously = new WindowLease(new WindowDecision(false, null));

    private long _lastUsed = Stopwatch.GetTimestamp();

    // The state lives in the counter, so the partitioned limiter may drop this one once it has been idle
    // a while (it drops limiters idle for more than 10 s); a growing idle time is what lets it.
    public override TimeSpan? IdleDuration => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastUsed));

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => AskAsynchronously;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _lastUsed, Stopwatch.GetTimestamp());
        return new WindowLease(await counter.TakeAsync(key, permitCount, limit, window, cancellationToken));
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
