using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.RateLimiting;

/// <summary>The answer of a fixed window: whether the permits were granted, and when the window ends if not.</summary>
public readonly record struct WindowDecision(bool Allowed, TimeSpan? RetryAfter);

/// <summary>
/// Fixed-window counters shared by every gateway replica, in Redis: one key per client and window,
/// counted and expired by one atomic script, so N replicas enforce one limit rather than N, and a
/// refusal knows how long its window still runs (<c>Retry-After</c>). Without Redis (none configured,
/// or unreachable) each replica counts on its own with the same limits: the gateway keeps limiting
/// and keeps serving rather than failing closed or open.
/// </summary>
public sealed partial class SharedWindowCounter(IServiceProvider services, IOptions<RateLimitingOptions> options, TimeProvider clock, ILogger<SharedWindowCounter> logger) : IDisposable
{
    // KEYS[1] the window's counter; ARGV: permits to take (0 only asks), limit, window in ms.
    // Returns {granted 0/1, ms left in the window}. The key expires with its window.
    private const string Script = """
        local count = tonumber(redis.call('GET', KEYS[1]) or '0')
        -- A count without an expiry (an increment whose expiry was lost) would block its client forever.
        if count > 0 and redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
        local take = tonumber(ARGV[1])
        local limit = tonumber(ARGV[2])
        if (take == 0 and count < limit) or (take > 0 and count + take <= limit) then
          if take > 0 then
            redis.call('INCRBY', KEYS[1], take)
            if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
          end
          return {1, redis.call('PTTL', KEYS[1])}
        end
        return {0, redis.call('PTTL', KEYS[1])}
        """;

    // A request waits at most this long for its count; a Redis that answers slower counts as away.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMilliseconds(250);

    // After a failure, requests count locally for this long instead of each waiting on a sick Redis.
    private static readonly TimeSpan BreakFor = TimeSpan.FromSeconds(5);

    private readonly IConnectionMultiplexer? _redis = services.GetService<IConnectionMultiplexer>();
    private readonly string _prefix = options.Value.KeyPrefix;
    private readonly ConcurrentDictionary<(int Limit, TimeSpan Window), Lazy<PartitionedRateLimiter<string>>> _local = new();
    private long _nextFallbackLog;
    private long _redisBrokenUntil;

    /// <summary>True when the counters are shared through Redis (when it answers); false when each replica counts alone.</summary>
    public bool IsShared => _redis is not null;

    /// <summary>
    /// Takes <paramref name="permits"/> from <paramref name="key"/>'s current window of
    /// <paramref name="window"/> holding <paramref name="limit"/>; with 0 permits only asks whether any are left.
    /// </summary>
    public async ValueTask<WindowDecision> TakeAsync(string key, int permits, int limit, TimeSpan window, CancellationToken cancellationToken = default)
    {
        if (_redis is not null && _redis.IsConnected && clock.GetTimestamp() >= Interlocked.Read(ref _redisBrokenUntil))
        {
            try
            {
                var result = (RedisValue[])(await _redis.GetDatabase().ScriptEvaluateAsync(Script,
                    [new RedisKey(_prefix + key + ":" + (long)window.TotalSeconds)],
                    [permits, limit, (long)window.TotalMilliseconds]).WaitAsync(CallTimeout, clock, cancellationToken))!;
                var left = (long)result[1];
                return new WindowDecision((long)result[0] == 1, left > 0 ? TimeSpan.FromMilliseconds(left) : window);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Anything (timeout, connection, a refused command, an odd reply): count locally for a while.
                Interlocked.Exchange(ref _redisBrokenUntil, clock.GetTimestamp() + (long)(BreakFor.TotalSeconds * clock.TimestampFrequency));
                LogFallbackOccasionally(ex);
            }
        }

        return TakeLocally(key, permits, limit, window);
    }

    private WindowDecision TakeLocally(string key, int permits, int limit, TimeSpan window)
    {
        // Lazy: of two racing creations only one limiter (and its timer) is ever built.
        var limiter = _local.GetOrAdd((limit, window), static shape => new(() => PartitionedRateLimiter.Create<string, string>(key =>
            RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = shape.Limit,
                Window = shape.Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            })))).Value;
        using var lease = limiter.AttemptAcquire(key, permits);
        return new WindowDecision(lease.IsAcquired,
            lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : window);
    }

    private void LogFallbackOccasionally(Exception ex)
    {
        // Once a minute at most: while Redis is away every request would otherwise log.
        var now = clock.GetTimestamp();
        var next = Interlocked.Read(ref _nextFallbackLog);
        if (now >= next && Interlocked.CompareExchange(ref _nextFallbackLog, now + clock.TimestampFrequency * 60, next) == next)
        {
            LogFallback(logger, ex);
        }
    }

    public void Dispose()
    {
        foreach (var limiter in _local.Values.Where(limiter => limiter.IsValueCreated))
        {
            limiter.Value.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate-limit counters are unreachable in Redis; this replica counts on its own until they are back.")]
    private static partial void LogFallback(ILogger logger, Exception ex);
}
