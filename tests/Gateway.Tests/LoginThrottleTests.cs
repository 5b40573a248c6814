using System.Net;
using System.Net.Http.Json;

namespace Gateway.Tests;

/// <summary>Brute-force protection on POST /api/identity/login: failed logins per account and per client IP.</summary>
public sealed class LoginThrottleTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static Task<HttpResponseMessage> LoginAsync(GatewayTestbed bed, string email, string password, string? fromIp = null) =>
        bed.SendAsync(HttpMethod.Post, "/api/identity/login", content: JsonContent.Create(new { email, password }),
            configure: request =>
            {
                if (fromIp is not null)
                {
                    request.Headers.Add("X-Forwarded-For", fromIp);
                }
            });

    [Fact]
    public async Task After_N_failures_for_an_account_even_the_right_password_is_refused_before_Identity()
    {
        await using var bed = await GatewayTestbed.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting:LoginFailuresPerMinute"] = "3",
            ["RateLimiting:LoginFailuresPerIpPerMinute"] = "1000",
        }, redis.ConnectionString);

        // Spelled differently each time: the account is the lower-cased email.
        foreach (var email in new[] { "Alice@Example.com", "alice@example.com", " ALICE@example.COM" })
        {
            using var failed = await LoginAsync(bed, email, "wrong");
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var refused = await LoginAsync(bed, "alice@example.com", Backend.RightPassword);
        await RateLimitingTests.AssertTooManyRequestsAsync(refused, window: 60);
        Assert.Equal(3, bed["identity"].Count("POST"));

        using var bob = await LoginAsync(bed, "bob@example.com", Backend.RightPassword);
        Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
    }

    [Fact]
    public async Task Successful_logins_do_not_count()
    {
        await using var bed = await GatewayTestbed.StartAsync(new Dictionary<string, string?> { ["RateLimiting:LoginFailuresPerMinute"] = "2" }, redis.ConnectionString);

        for (var i = 0; i < 5; i++)
        {
            using var response = await LoginAsync(bed, "carol@example.com", Backend.RightPassword);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task After_N_failures_from_an_address_its_logins_are_refused_whatever_the_account()
    {
        await using var bed = await GatewayTestbed.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting:LoginFailuresPerMinute"] = "1000",
            ["RateLimiting:LoginFailuresPerIpPerMinute"] = "3",
            ["Gateway:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
        }, redis.ConnectionString);

        for (var i = 0; i < 3; i++)
        {
            using var failed = await LoginAsync(bed, $"victim{i}@example.com", "wrong", fromIp: "203.0.113.30");
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var refused = await LoginAsync(bed, "dave@example.com", Backend.RightPassword, fromIp: "203.0.113.30");
        await RateLimitingTests.AssertTooManyRequestsAsync(refused, window: 60);

        using var otherAddress = await LoginAsync(bed, "dave@example.com", Backend.RightPassword, fromIp: "203.0.113.31");
        Assert.Equal(HttpStatusCode.OK, otherAddress.StatusCode);
    }

    [Fact]
    public async Task The_per_address_limit_defaults_to_the_per_account_one()
    {
        await using var bed = await GatewayTestbed.StartAsync(new Dictionary<string, string?> { ["RateLimiting:LoginFailuresPerMinute"] = "2" }, redis.ConnectionString);

        using (var first = await LoginAsync(bed, "erin@example.com", "wrong"))
        using (var second = await LoginAsync(bed, "frank@example.com", "wrong"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        }

        using var refused = await LoginAsync(bed, "grace@example.com", Backend.RightPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    [Fact]
    public async Task The_login_body_reaches_Identity_intact()
    {
        await using var bed = await GatewayTestbed.StartAsync(redis: redis.ConnectionString);

        using var response = await LoginAsync(bed, "heidi@example.com", Backend.RightPassword);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("accessToken", await response.Content.ReadAsStringAsync());
    }
}
