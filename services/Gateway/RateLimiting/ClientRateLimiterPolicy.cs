using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Gateway.RateLimiting;

/// <summary>
/// Rate limiter policy <c>per-client</c>, referenced by routes' RateLimiterPolicy: a signed-in user
/// (partitioned by the token's <c>sub</c>, wherever they connect from) gets
/// <see cref="RateLimitingOptions.UserPerMinute"/> and <see cref="RateLimitingOptions.UserPerHour"/>,
/// both enforced by chaining two fixed windows; anyone else is partitioned by client IP with
/// <see cref="RateLimitingOptions.AnonymousPerMinute"/>. The windows are counted by the
/// <see cref="SharedWindowCounter"/>, so every gateway replica enforces the same limit (to within one
/// <see cref="RateLimitingOptions.SyncInterval"/>). Rejections are
/// written by the limiter's OnRejected (429, Retry-After, ProblemDetails).
/// </summary>
public sealed class ClientRateLimiterPolicy(IOptions<RateLimitingOptions> options, SharedWindowCounter counter, TimeProvider clock) : IRateLimiterPolicy<string>
{
    public const string Name = "per-client";

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly RateLimitingOptions _limits = options.Value;

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        if (httpContext.User.Identity?.IsAuthenticated == true && httpContext.User.FindUserId() is { } userId)
        {
            return RateLimitPartition.Get("user:" + userId, key => RateLimiter.CreateChained(
                new SharedFixedWindowLimiter(counter, key, _limits.UserPerMinute, Minute, _limits.SyncInterval, clock),
                new SharedFixedWindowLimiter(counter, key, _limits.UserPerHour, Hour, _limits.SyncInterval, clock)));
        }

        return RateLimitPartition.Get("ip:" + ClientAddress.Of(httpContext),
            key => new SharedFixedWindowLimiter(counter, key, _limits.AnonymousPerMinute, Minute, _limits.SyncInterval, clock));
    }
}
