using System.Net;
using StackExchange.Redis;
using TestSupport;

namespace Gateway.Tests;

/// <summary>
/// Rate-limit counters live in Redis, so gateway replicas enforce one limit together; without Redis
/// each replica still limits on its own and keeps serving.
/// </summary>
public sealed class SharedRateLimitTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly string SharedKey = TestKeys.NewPrivateKey();

    private static Dictionary<string, string?> Settings(string prefix, int userPerMinute) => new()
    {
        ["Jwt:SigningKey"] = SharedKey,
        ["RateLimiting:KeyPrefix"] = prefix,
        ["RateLimiting:UserPerMinute"] = userPerMinute.ToString(),
        // Every request asks Redis: these tests are about the shared count itself (SharedFixedWindowLimiterTests
        // cover what a replica decides on its own in between).
        ["RateLimiting:SyncInterval"] = "00:00:00",
    };

    [Fact]
    public async Task Two_replicas_sharing_redis_enforce_one_limit_per_user()
    {
        var prefix = $"shared-{Guid.NewGuid():N}:";
        await using var first = await GatewayTestbed.StartAsync(Settings(prefix, 4), redis.ConnectionString);
        await using var second = await GatewayTestbed.StartAsync(Settings(prefix, 4), redis.ConnectionString);
        await using var alone = await GatewayTestbed.StartAsync(Settings(prefix, 4));
        var erin = first.Token("erin");

        foreach (var bed in new[] { first, second, first, second })
        {
            using var allowed = await bed.GetAsync("/api/basket", erin);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        // Each replica has seen two of Erin's requests; together they have seen her limit.
        using var onFirst = await first.GetAsync("/api/basket", erin);
        await RateLimitingTests.AssertTooManyRequestsAsync(onFirst, window: 60);
        using var onSecond = await second.GetAsync("/api/basket", erin);
        Assert.Equal(HttpStatusCode.TooManyRequests, onSecond.StatusCode);
        // A replica without the shared counters counts only what it saw itself.
        using var onAlone = await alone.GetAsync("/api/basket", erin);
        Assert.Equal(HttpStatusCode.OK, onAlone.StatusCode);
    }

    [Fact]
    public async Task Retry_after_is_the_time_left_in_the_window()
    {
        var prefix = $"retry-{Guid.NewGuid():N}:";
        await using var bed = await GatewayTestbed.StartAsync(Settings(prefix, 1), redis.ConnectionString);
        var frank = bed.Token("frank");
        using (var allowed = await bed.GetAsync("/api/basket", frank))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        // As if the window had started 45 s ago: 15 s of it are left.
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            Assert.True(await connection.GetDatabase().KeyExpireAsync($"{prefix}user:frank:60", TimeSpan.FromSeconds(15)));
        }

        using var refused = await bed.GetAsync("/api/basket", frank);
        await RateLimitingTests.AssertTooManyRequestsAsync(refused, window: 15);
    }

    [Fact]
    public async Task Without_reachable_redis_a_replica_limits_on_its_own_and_stays_ready()
    {
        var closedPort = TestSupport.LocalServers.FreePort();
        await using var bed = await GatewayTestbed.StartAsync(Settings($"down-{Guid.NewGuid():N}:", 3),
            $"127.0.0.1:{closedPort},connectTimeout=500", redisReachable: false);
        var grace = bed.Token("grace");

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await bed.GetAsync("/api/basket", grace);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var refused = await bed.GetAsync("/api/basket", grace);
        await RateLimitingTests.AssertTooManyRequestsAsync(refused, window: 60);
        using var ready = await bed.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task When_redis_dies_mid_run_the_replica_keeps_serving_and_limiting_on_its_own()
    {
        var dying = TestSupport.LocalServers.RedisOnly();
        await dying.InitializeAsync();
        try
        {
            await using var bed = await GatewayTestbed.StartAsync(Settings($"dying-{Guid.NewGuid():N}:", 3), dying.RedisConnectionString);
            var heidi = bed.Token("heidi");
            using (var shared = await bed.GetAsync("/api/basket", heidi))
            {
                Assert.Equal(HttpStatusCode.OK, shared.StatusCode);
            }

            await dying.DisposeAsync();

            // The local window starts empty: three more pass, then the fourth is refused; nothing fails.
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 4; i++)
            {
                using var response = await bed.GetAsync("/api/basket", heidi);
                statuses.Add(response.StatusCode);
            }

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        }
        finally
        {
            await dying.DisposeAsync();
        }
    }
}
