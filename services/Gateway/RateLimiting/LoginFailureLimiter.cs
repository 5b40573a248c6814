using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Gateway.RateLimiting;

/// <summary>
/// Counts failed logins per account and per client IP in fixed one-minute windows. A partition whose
/// permits are used up is blocked until its window passes. Unlike a request rate limiter it is only
/// charged after the fact (the upstream answered 401), so successful logins never count.
/// </summary>
public sealed class LoginFailureLimiter(IOptions<RateLimitingOptions> options) : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const string AccountPrefix = "account:";
    private const string IpPrefix = "ip:";

    // Partitions are created on first use and dropped by the library once idle, so memory follows the
    // accounts and addresses seen in the last minutes, not all ever seen.
    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, partition => ClientRateLimiterPolicy.Window(
            partition.StartsWith(IpPrefix, StringComparison.Ordinal)
                ? options.Value.LoginFailuresPerIp
                : options.Value.LoginFailuresPerMinute,
            Window)));

    public static IReadOnlyList<string> Keys(string? account, string clientIp) =>
        account is { Length: > 0 } ? [AccountPrefix + account, IpPrefix + clientIp] : [IpPrefix + clientIp];

    /// <summary>How long until the first blocked key's window passes, or null when none is blocked.</summary>
    public TimeSpan? Blocked(IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            // Zero permits: asks whether any are left without taking one.
            using var lease = _failures.AttemptAcquire(key, 0);
            if (!lease.IsAcquired)
            {
                return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Window;
            }
        }

        return null;
    }

    public void RecordFailure(IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            // Fixed-window permits are not returned on dispose: the failure stays counted for the window.
            _failures.AttemptAcquire(key).Dispose();
        }
    }

    public void Dispose() => _failures.Dispose();
}
