using System.ComponentModel.DataAnnotations;

namespace Gateway.RateLimiting;

/// <summary>
/// Limits from configuration section <c>RateLimiting</c>; the AppHost binds them to its parameters
/// (<c>RateLimiting__UserPerMinute</c> and so on), so load and acceptance tests can raise them.
/// </summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>Requests per minute of one signed-in user (the token's <c>sub</c>).</summary>
    [Range(1, int.MaxValue)]
    public int UserPerMinute { get; set; } = 100;

    /// <summary>Requests per hour of one signed-in user, on top of the per-minute limit.</summary>
    [Range(1, int.MaxValue)]
    public int UserPerHour { get; set; } = 1000;

    /// <summary>Requests per minute of one client IP without a valid token.</summary>
    [Range(1, int.MaxValue)]
    public int AnonymousPerMinute { get; set; } = 100;

    /// <summary>Failed logins per minute for one account before its logins are refused.</summary>
    [Range(1, int.MaxValue)]
    public int LoginFailuresPerMinute { get; set; } = 5;

    /// <summary>Failed logins per minute from one client IP (any account); <see cref="LoginFailuresPerMinute"/> when absent.</summary>
    [Range(1, int.MaxValue)]
    public int? LoginFailuresPerIpPerMinute { get; set; }

    public int LoginFailuresPerIp => LoginFailuresPerIpPerMinute ?? LoginFailuresPerMinute;

    /// <summary>
    /// How long a replica decides a client's requests on its own after asking Redis for the client's count
    /// (<see cref="SharedFixedWindowLimiter"/>); zero asks Redis on every request. The replicas together may let
    /// a client past its limit by what the others granted it within one interval.
    /// </summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest a request waits for its count from Redis; a slower answer counts as Redis away (the replica counts
    /// on its own meanwhile), so a stalled Redis costs a request this much at most, never the request.
    /// </summary>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Prefix of the counters' Redis keys; replicas that share it share their limits.</summary>
    [Required]
    public string KeyPrefix { get; set; } = "gateway:ratelimit:";
}
