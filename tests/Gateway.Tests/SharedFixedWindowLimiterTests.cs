using System.Threading.RateLimiting;
using Gateway.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Gateway.Tests;

/// <summary>
/// A client's window between two questions to Redis: the replica decides alone for the sync interval (its own count
/// exact), then hands Redis what it granted and learns what the other replicas granted. Against a real Redis; the
/// interval's passing by a fake clock.
/// </summary>
public sealed class SharedFixedWindowLimiterTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _clock = new();
    private readonly string _prefix = $"local-{Guid.NewGuid():N}:";
    private ConnectionMultiplexer _redis = null!;
    private SharedWindowCounter _counter = null!;

    public async Task InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var services = new ServiceCollection().AddSingleton<IConnectionMultiplexer>(_redis).BuildServiceProvider();
        // Each answer from Redis, however slow a cold test process is to take it: falling back to counting locally is
        // SharedRateLimitTests' subject, not this class's.
        _counter = new SharedWindowCounter(services, Options.Create(new RateLimitingOptions { KeyPrefix = _prefix, RedisTimeout = TimeSpan.FromSeconds(30) }),
            TimeProvider.System, NullLogger<SharedWindowCounter>.Instance);
    }

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    private SharedFixedWindowLimiter Replica(int limit) => new(_counter, "user:erin", limit, TimeSpan.FromMinutes(1), Interval, _clock);

    private async Task<long> CountInRedisAsync() => (long)await _redis.GetDatabase().StringGetAsync($"{_prefix}user:erin:60");

    private static async Task<bool> TakeAsync(RateLimiter limiter)
    {
        using var lease = await limiter.AcquireAsync();
        return lease.IsAcquired;
    }

    [Fact]
    public async Task Within_the_interval_a_replica_counts_alone_and_hands_Redis_its_permits_when_it_next_asks()
    {
        using var replica = Replica(limit: 10);

        Assert.True(await TakeAsync(replica)); // asks Redis
        Assert.True(await TakeAsync(replica));
        Assert.True(await TakeAsync(replica));
        Assert.Equal(1, await CountInRedisAsync());

        _clock.Advance(Interval);
        Assert.True(await TakeAsync(replica)); // asks again, with the two granted meanwhile

        Assert.Equal(4, await CountInRedisAsync());
    }

    [Fact]
    public async Task A_replica_alone_never_grants_past_the_limit_and_refuses_with_the_time_left_in_the_window()
    {
        using var replica = Replica(limit: 3);

        var granted = new List<bool>();
        for (var i = 0; i < 5; i++)
        {
            granted.Add(await TakeAsync(replica));
        }

        Assert.Equal([true, true, true, false, false], granted);
        _clock.Advance(TimeSpan.FromSeconds(0.5)); // still within the interval
        using var refused = await replica.AcquireAsync();
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Replicas_learn_each_others_permits_when_they_next_ask_and_pass_the_limit_by_at_most_what_one_granted_alone()
    {
        using var first = Replica(limit: 4);
        using var second = Replica(limit: 4);

        Assert.True(await TakeAsync(first));  // Redis: 1
        Assert.True(await TakeAsync(second)); // Redis: 2
        Assert.True(await TakeAsync(second)); // second alone: 3 as far as it knows
        Assert.True(await TakeAsync(first));  // first alone: 2 as far as it knows

        _clock.Advance(Interval);
        // First hands over its permit and takes one more: 4 in Redis, the limit, which both now learn when they ask.
        Assert.True(await TakeAsync(first));
        Assert.Equal(4, await CountInRedisAsync());
        Assert.False(await TakeAsync(first));
        Assert.False(await TakeAsync(second));
        // Second's permit granted on its own within the interval is one past the limit: the bound of the scheme.
        Assert.Equal(5, await CountInRedisAsync());
    }

    [Fact]
    public async Task A_window_expires_with_its_first_take_and_a_count_that_lost_its_expiry_gets_one_again()
    {
        var key = $"{_prefix}user:erin:60";
        var db = _redis.GetDatabase();

        var first = await _counter.TakeAsync("user:erin", 1, limit: 10, TimeSpan.FromMinutes(1));
        Assert.True(first.Allowed);
        Assert.Equal(1, first.Count);
        Assert.InRange(first.RetryAfter!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
        Assert.InRange((await db.KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));

        // An increment whose expiry was lost (a failover between the two, say): without one the client stays refused forever.
        await db.KeyPersistAsync(key);
        var asked = await _counter.TakeAsync("user:erin", 0, limit: 10, TimeSpan.FromMinutes(1));
        Assert.True(asked.Allowed);
        Assert.Equal(1, asked.Count);
        Assert.InRange(asked.RetryAfter!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
        Assert.InRange((await db.KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));

        var later = await _counter.TakeAsync("user:erin", 2, limit: 10, TimeSpan.FromMinutes(1));
        Assert.Equal(3, later.Count);
        Assert.InRange(later.RetryAfter!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
    }
}
