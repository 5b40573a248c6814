using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;

namespace IntegrationTests;

/// <summary>Identity through the gateway: the tokens it issues are the ones every service accepts.</summary>
[Collection(PlatformCollection.Name)]
public class IdentityTests(PlatformFixture platform)
{
    private readonly HttpClient _gateway = platform.Gateway;

    public sealed record TokenPair(string AccessToken, string RefreshToken, int ExpiresIn);

    private static string NewEmail() => $"shopper-{Guid.NewGuid():N}@example.test";

    private const string GoodPassword = "Correct-Horse-7";

    private async Task<string> RegisterAsync(string email, string password = GoodPassword)
    {
        var response = await _gateway.PostAsJsonAsync("/api/identity/register", new { email, password, name = "Test Shopper" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("userId").GetString()!;
    }

    private async Task<HttpResponseMessage> LoginAsync(string email, string password) =>
        await _gateway.PostAsJsonAsync("/api/identity/login", new { email, password });

    private async Task<TokenPair> SignInAsync(string email, string password = GoodPassword)
    {
        var response = await LoginAsync(email, password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TokenPair>())!;
    }

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        _gateway.PostAsJsonAsync("/api/identity/refresh", new { refreshToken });

    [Fact]
    public async Task A_registered_shopper_signs_in_and_the_services_accept_the_token()
    {
        var email = NewEmail();
        var userId = await RegisterAsync(email);

        var tokens = await SignInAsync(email);

        Assert.InRange(tokens.ExpiresIn, 60, 3600);
        var jwt = new JsonWebToken(tokens.AccessToken);
        Assert.False(string.IsNullOrEmpty(jwt.Kid));
        Assert.Equal(userId, jwt.Subject);
        // The gateway and the services behind it both validate the token Identity issued.
        Assert.Equal(HttpStatusCode.OK, (await _gateway.SendAsUserAsync(HttpMethod.Get, "/api/basket", tokens.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.SendAsUserAsync(HttpMethod.Get, "/api/orders", tokens.AccessToken)).StatusCode);
        var profile = await (await _gateway.SendAsUserAsync(HttpMethod.Get, "/api/identity/profile", tokens.AccessToken))
            .Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Test Shopper", profile.GetProperty("name").GetString());
    }

    [Fact]
    public async Task The_profile_is_the_callers_own_and_can_be_updated()
    {
        var email = NewEmail();
        await RegisterAsync(email);
        var tokens = await SignInAsync(email);
        var address = new { street = "1 Main Street", city = "Utrecht", postalCode = "3511", country = "NL" };

        var put = await _gateway.SendAsUserAsync(HttpMethod.Put, "/api/identity/profile", tokens.AccessToken,
            new { name = "Renamed Shopper", addresses = new[] { address } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var profile = await (await _gateway.SendAsUserAsync(HttpMethod.Get, "/api/identity/profile", tokens.AccessToken))
            .Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Renamed Shopper", profile.GetProperty("name").GetString());
        Assert.Equal("Utrecht", profile.GetProperty("addresses")[0].GetProperty("city").GetString());

        var bad = await _gateway.SendAsUserAsync(HttpMethod.Put, "/api/identity/profile", tokens.AccessToken,
            new { name = "", addresses = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task Refresh_rotates_and_reusing_a_rotated_token_revokes_the_family()
    {
        var email = NewEmail();
        await RegisterAsync(email);
        var first = await SignInAsync(email);

        var rotated = await RefreshAsync(first.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var second = (await rotated.Content.ReadFromJsonAsync<TokenPair>())!;
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.SendAsUserAsync(HttpMethod.Get, "/api/basket", second.AccessToken)).StatusCode);

        // Someone replays the old refresh token: refused, and the whole family with it.
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(first.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(second.RefreshToken)).StatusCode);

        // A fresh sign-in starts a new family.
        var third = await SignInAsync(email);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(third.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task Logout_revokes_the_refresh_token()
    {
        var email = NewEmail();
        await RegisterAsync(email);
        var tokens = await SignInAsync(email);

        var logout = await _gateway.SendAsUserAsync(HttpMethod.Post, "/api/identity/logout", tokens.AccessToken,
            new { refreshToken = tokens.RefreshToken });

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(tokens.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task Wrong_password_and_unknown_account_are_both_401()
    {
        var email = NewEmail();
        await RegisterAsync(email);

        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(email, "Wrong-Password-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(NewEmail(), GoodPassword)).StatusCode);
    }

    [Fact]
    public async Task A_duplicate_email_is_409()
    {
        var email = NewEmail();
        await RegisterAsync(email);

        var again = await _gateway.PostAsJsonAsync("/api/identity/register", new { email = email.ToUpperInvariant(), password = GoodPassword, name = "Twin" });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_weak_password_is_400_naming_the_rule()
    {
        var response = await _gateway.PostAsJsonAsync("/api/identity/register", new { email = NewEmail(), password = "abcdefgh", name = "Weak" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        var messages = string.Join(" ", errors.GetProperty("password").EnumerateArray().Select(m => m.GetString()));
        Assert.Contains("digit", messages, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("uppercase", messages, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_seeded_administrator_may_change_the_catalog()
    {
        var admin = await SignInAsync(PlatformHost.AdminEmail, PlatformHost.AdminPassword);

        Assert.Equal("admin", new JsonWebToken(admin.AccessToken).GetClaim("role").Value);
        var created = await _gateway.SendAsUserAsync(HttpMethod.Post, "/api/catalog/items", admin.AccessToken,
            new { name = $"Admin made {Guid.NewGuid():N}"[..24], price = 5m, categoryId = 1, brandId = 1 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task Repeated_failed_logins_lock_the_account_out_at_the_gateway_with_retry_after()
    {
        var email = NewEmail();
        await RegisterAsync(email);
        for (var attempt = 0; attempt < PlatformHost.LoginFailuresPerMinute; attempt++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(email, $"Wrong-Password-{attempt}")).StatusCode);
        }

        // Even the right password is refused now: the guesser cannot tell.
        var blocked = await LoginAsync(email, GoodPassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.InRange(int.Parse(blocked.Headers.GetValues("Retry-After").Single()), 1, 60);
        // Other accounts are not affected.
        var other = NewEmail();
        await RegisterAsync(other);
        await SignInAsync(other);
    }
}
