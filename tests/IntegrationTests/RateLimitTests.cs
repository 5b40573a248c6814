using System.Net;
using Aspire.Hosting.Testing;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// The gateway's per-user limit, as the AppHost parameter sets it (the test platform runs with
/// <see cref="PlatformHost.UserRequestsPerMinute"/>; the default is 100).
/// </summary>
[Collection(PlatformCollection.Name)]
public class RateLimitTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_request_after_a_users_limit_is_429_with_retry_after_and_other_users_carry_on()
    {
        var greedy = Tokens.For($"greedy-{Guid.NewGuid():N}");
        var modest = Tokens.For($"modest-{Guid.NewGuid():N}");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < PlatformHost.UserRequestsPerMinute; i++)
        {
            statuses.Add((await platform.Gateway.SendAsUserAsync(HttpMethod.Get, "/api/catalog/items/1", greedy)).StatusCode);
        }

        var rejected = await platform.Gateway.SendAsUserAsync(HttpMethod.Get, "/api/catalog/items/1", greedy);

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.InRange(int.Parse(rejected.Headers.GetValues("Retry-After").Single()), 1, 60);
        Assert.Equal(HttpStatusCode.OK, (await platform.Gateway.SendAsUserAsync(HttpMethod.Get, "/api/catalog/items/1", modest)).StatusCode);
    }

    [Fact]
    public async Task The_gateway_counts_in_the_platforms_redis_so_its_replicas_share_the_limit()
    {
        var userId = $"counted-{Guid.NewGuid():N}";
        var token = Tokens.For(userId);
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync((await platform.App.GetConnectionStringAsync("redis"))!);
        var key = $"gateway:ratelimit:user:{userId}:60";

        // A replica decides alone for its sync interval after asking Redis, then hands over what it granted with the
        // next request that asks: once one does, Redis holds every request made.
        var sent = 0;
        await Eventually.UntilAsync(async () =>
            {
                Assert.Equal(HttpStatusCode.OK, (await platform.Gateway.SendAsUserAsync(HttpMethod.Get, "/api/catalog/items/1", token)).StatusCode);
                sent++;
                return (long)await redis.GetDatabase().StringGetAsync(key);
            },
            counted => sent >= 3 && counted == sent, TimeSpan.FromSeconds(30), "every request counted in Redis");
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(key);

        Assert.InRange(ttl!.Value.TotalSeconds, 1, 60);
    }
}
