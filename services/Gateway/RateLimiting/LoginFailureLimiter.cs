using Microsoft.Extensions.Options;

namespace Gateway.RateLimiting;

/// <summary>
/// Counts failed logins per account and per client IP in fixed one-minute windows, through the
/// <see cref="SharedWindowCounter"/> (so across gateway replicas). A key whose failures reached the
/// limit is blocked until its window passes. Unlike a request rate limiter it is only charged after
/// the fact (the upstream answered 401), so successful logins never count.
/// </summary>
public sealed class LoginFailureLimiter(SharedWindowCounter counter, IOptions<RateLimitingOptions> options)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const string AccountPrefix = "login-failures:account:";
    private const string IpPrefix = "login-failures:ip:";

    public static IReadOnlyList<string> Keys(string? account, string clientIp) =>
        account is { Length: > 0 } ? [AccountPrefix + account, IpPrefix + clientIp] : [IpPrefix + clientIp];

    /// <summary>How long until the first blocked key's window passes, or null when none is blocked.</summary>
    public async ValueTask<TimeSpan?> BlockedAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        foreach (var key in keys)
        {
            // Zero permits: asks whether any are left without taking one.
            var decision = await counter.TakeAsync(key, 0, Limit(key), Window, cancellationToken: cancellationToken);
            if (!decision.Allowed)
            {
                return decision.RetryAfter ?? Window;
            }
        }

        return null;
    }

    public async ValueTask RecordFailureAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        foreach (var key in keys)
        {
            await counter.TakeAsync(key, 1, Limit(key), Window, cancellationToken: cancellationToken);
        }
    }

    private int Limit(string key) => key.StartsWith(IpPrefix, StringComparison.Ordinal)
        ? options.Value.LoginFailuresPerIp
        : options.Value.LoginFailuresPerMinute;
}
