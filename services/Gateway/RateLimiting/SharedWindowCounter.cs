using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace Gateway.RateLimiting;

/// <summary>
/// The answer of a fixed window: whether the permits were granted, and when the window ends (at least when refused);
/// from Redis also the window's count, everything granted in it by every replica.
/// </summary>
public readonly record struct WindowDecision(bool Allowed, TimeSpan? RetryAfter, long? Count = null);

/// <summary>
/// Fixed-window counters shared by every gateway replica, in Redis: one key per client and window,
/// counted and expired by one atomic script, so N replicas enforce one limit rather than N, and a
/// refusal knows how long its window still runs (<c>Retry-After</c>). Without Redis (none configured,
/// or unreachable) each replica counts on its own with the same limits: the gateway keeps limiting
/// and keeps serving rather than failing closed or open.
/// </summary>
public sealed partial class SharedWindowCounter
{
    // KEYS[1] the window's counter; ARGV: permits a replica already granted on its own (added whatever the count),
    // permits to take now (0 only asks), limit, window in ms. Returns {granted 0/1, ms left in the window, count}.
    // The key expires with its window. The window's time left is read once and kept: at most GET, PTTL and INCRBY
    // (and PEXPIRE when the window starts), where it was read after every write.
    private const string Script = """
        local count = tonumber(redis.call('GET', KEYS[1]) or '0')
        local left = redis.call('PTTL', KEYS[1])
        -- A count without an expiry (-1: an increment whose expiry was lost) would block its client forever.
        if count > 0 and left == -1 then
          redis.call('PEXPIRE', KEYS[1], ARGV[4])
          left = tonumber(ARGV[4])
        end
        local granted = tonumber(ARGV[1])
        local take = tonumber(ARGV[2])
        local limit = tonumber(ARGV[3])
        local add = granted
        local allowed = (take == 0 and count + granted < limit) or (take > 0 and count + granted + take <= limit)
        if allowed then add = add + take end
        if add > 0 then
          count = redis.call('INCRBY', KEYS[1], add)
          if left < 0 then
            redis.call('PEXPIRE', KEYS[1], ARGV[4])
            left = tonumber(ARGV[4])
          end
        end
        return {allowed and 1 or 0, left, count}
        """;

    private readonly IConnectionMultiplexer? _redis;
    private readonly string _prefix;
    private readonly ResiliencePipeline _redisCalls;
    private readonly LocalWindows _local;
    private int _countingLocally;

    public SharedWindowCounter(IServiceProvider services, IOptions<RateLimitingOptions> options, TimeProvider clock, ILogger<SharedWindowCounter> logger)
    {
        _redis = services.GetService<IConnectionMultiplexer>();
        _prefix = options.Value.KeyPrefix;
        _local = new LocalWindows(clock);
        // A request waits at most RedisTimeout (250 ms) for its count: a Redis that answers slower counts as away.
        // Once calls fail, the breaker sends every request to the local counters for 5 s instead of each waiting.
        _redisCalls = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromSeconds(5),
                BreakDuration = TimeSpan.FromSeconds(5),
                // Logged when the replica starts counting alone and when it stops, not on every re-open.
                OnOpened = opened =>
                {
                    if (Interlocked.Exchange(ref _countingLocally, 1) == 0)
                    {
                        LogCountingLocally(logger, opened.Outcome.Exception);
                    }

                    return default;
                },
                OnClosed = _ =>
                {
                    if (Interlocked.Exchange(ref _countingLocally, 0) == 1)
                    {
                        LogSharingAgain(logger);
                    }

                    return default;
                },
            })
            .AddTimeout(options.Value.RedisTimeout)
            .Build();
    }

    /// <summary>
    /// Takes <paramref name="permits"/> from <paramref name="key"/>'s current window of
    /// <paramref name="window"/> holding <paramref name="limit"/>; with 0 permits only asks whether any are left.
    /// <paramref name="grantedMeanwhile"/> permits, granted by this replica on its own since it last asked, are
    /// counted first, whatever the answer.
    /// </summary>
    public async ValueTask<WindowDecision> TakeAsync(string key, int permits, int limit, TimeSpan window, long grantedMeanwhile = 0,
        CancellationToken cancellationToken = default)
    {
        if (_redis is not null && _redis.IsConnected)
        {
            try
            {
                var result = await _redisCalls.ExecuteAsync(async token => (RedisValue[])(await _redis.GetDatabase().ScriptEvaluateAsync(Script,
                    [new RedisKey(_prefix + key + ":" + (long)window.TotalSeconds)],
                    [grantedMeanwhile, permits, limit, (long)window.TotalMilliseconds]).WaitAsync(token))!, cancellationToken);
                var left = (long)result[1] > 0 ? TimeSpan.FromMilliseconds((long)result[1]) : window;
                return new WindowDecision((long)result[0] == 1, left, (long)result[2]);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Timeout, broken circuit, connection, a refused command, an odd reply: count locally.
            }
        }

        return TakeLocally(key, permits, limit, window);
    }

    // The same key as in Redis, so a client's windows of different lengths stay apart.
    private WindowDecision TakeLocally(string key, int permits, int limit, TimeSpan window) =>
        _local.Take(key + ":" + (long)window.TotalSeconds, permits, limit, window);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate-limit counters are unreachable in Redis; this replica counts on its own until they are back.")]
    private static partial void LogCountingLocally(ILogger logger, Exception? ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rate-limit counters answer in Redis again; the replicas share their limits.")]
    private static partial void LogSharingAgain(ILogger logger);
}
