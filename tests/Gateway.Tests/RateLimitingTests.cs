using System.Net;

namespace Gateway.Tests;

/// <summary>Route policy per-client: per user (sub) per minute and per hour, per client IP without a token; counted in a real Redis.</summary>
public sealed class RateLimitingTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly Dictionary<string, string?> TrustLoopbackProxy = new() { ["Gateway:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1" };

    private static Dictionary<string, string?> Limits(params (string Key, object Value)[] limits) =>
        limits.ToDictionary(limit => $"RateLimiting:{limit.Key}", limit => (string?)limit.Value.ToString());

    internal static async Task AssertTooManyRequestsAsync(HttpResponseMessage response, int window)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, window);
        Assert.Equal(0, retryAfter.Value.TotalSeconds % 1);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"status\":429", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.Contains("X-Correlation-Id"));
        Assert.True(response.Headers.Contains("X-Trace-Id"));
    }

    [Fact]
    public async Task A_user_over_the_per_minute_limit_is_refused_while_another_user_gets_through()
    {
        await using var bed = await GatewayTestbed.StartAsync(Limits(("UserPerMinute", 3)), redis.ConnectionString);
        var alice = bed.Token("alice");
        var before = bed["basket"].Requests.Count;

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await bed.GetAsync("/api/basket", alice);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var refused = await bed.GetAsync("/api/basket", alice);
        await AssertTooManyRequestsAsync(refused, window: 60);
        Assert.Equal(before + 3, bed["basket"].Requests.Count);

        // The limit is the user's wherever they go, not the route's or the IP's.
        using var aliceElsewhere = await bed.GetAsync("/api/orders", alice);
        Assert.Equal(HttpStatusCode.TooManyRequests, aliceElsewhere.StatusCode);
        using var bob = await bed.GetAsync("/api/basket", bed.Token("bob"));
        Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
        using var anonymous = await bed.GetAsync("/api/catalog/items");
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
    }

    [Fact]
    public async Task The_hourly_limit_applies_on_top_of_the_per_minute_one()
    {
        await using var bed = await GatewayTestbed.StartAsync(Limits(("UserPerMinute", 100), ("UserPerHour", 2)), redis.ConnectionString);
        var carol = bed.Token("carol");

        for (var i = 0; i < 2; i++)
        {
            using var allowed = await bed.GetAsync("/api/basket", carol);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var refused = await bed.GetAsync("/api/basket", carol);
        await AssertTooManyRequestsAsync(refused, window: 3600);
    }

    [Fact]
    public async Task Anonymous_clients_are_limited_per_IP()
    {
        await using var bed = await GatewayTestbed.StartAsync(Limits(("AnonymousPerMinute", 3)).Concat(TrustLoopbackProxy).ToDictionary(), redis.ConnectionString);

        Task<HttpResponseMessage> FromAsync(string ip, string? token = null) => bed.SendAsync(HttpMethod.Get, "/api/catalog/items", token,
            configure: request => request.Headers.Add("X-Forwarded-For", ip));

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await FromAsync("203.0.113.10");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var refused = await FromAsync("203.0.113.10");
        await AssertTooManyRequestsAsync(refused, window: 60);

        using var otherAddress = await FromAsync("203.0.113.11");
        Assert.Equal(HttpStatusCode.OK, otherAddress.StatusCode);
        using var signedInFromSameAddress = await FromAsync("203.0.113.10", bed.Token("dave"));
        Assert.Equal(HttpStatusCode.OK, signedInFromSameAddress.StatusCode);
        // Requests with a bad token count as anonymous: they cannot escape the IP's limit.
        using var badToken = await FromAsync("203.0.113.10", "not-a-jwt");
        Assert.Equal(HttpStatusCode.TooManyRequests, badToken.StatusCode);
    }

    [Fact]
    public async Task Without_configured_proxies_X_Forwarded_For_is_ignored()
    {
        await using var bed = await GatewayTestbed.StartAsync(Limits(("AnonymousPerMinute", 3)), redis.ConnectionString);

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await bed.SendAsync(HttpMethod.Get, "/api/catalog/items",
                configure: request => request.Headers.Add("X-Forwarded-For", $"203.0.113.{20 + i}"));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var refused = await bed.SendAsync(HttpMethod.Get, "/api/catalog/items",
            configure: request => request.Headers.Add("X-Forwarded-For", "203.0.113.99"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    [Fact]
    public async Task An_answer_the_gateway_keeps_counts_against_the_limit_like_a_forwarded_one()
    {
        await using var bed = await GatewayTestbed.StartAsync(Limits(("AnonymousPerMinute", 3)), redis.ConnectionString);
        bed.CatalogAnswers("public, max-age=300");

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await bed.GetAsync("/api/catalog/items/7");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var refused = await bed.GetAsync("/api/catalog/items/7");
        await AssertTooManyRequestsAsync(refused, window: 60);
        Assert.Equal(1, bed.CatalogReached("GET", "/api/catalog/items/7"));
    }

    [Fact]
    public async Task Health_endpoints_are_not_limited()
    {
        await using var bed = await GatewayTestbed.StartAsync(Limits(("AnonymousPerMinute", 1)), redis.ConnectionString);

        for (var i = 0; i < 5; i++)
        {
            using var response = await bed.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }
}
