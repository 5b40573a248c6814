using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Hosting;
using TestSupport;

namespace Gateway.Tests;

/// <summary>Each route's authorization policy, enforced at the gateway before a service is bothered.</summary>
public sealed class AuthorizationTests(SharedTestbed shared) : IClassFixture<SharedTestbed>
{
    private readonly GatewayTestbed _bed = shared.Bed;

    public static TheoryData<string> BadTokens => ["none", "expired", "wrong-key", "hs256-shared-key", "tampered", "garbage"];

    private string? BadToken(string kind) => kind switch
    {
        "none" => null,
        "expired" => _bed.Token("user-1", expires: DateTime.UtcNow.AddMinutes(-5)),
        "wrong-key" => AccessTokens.Mint(TestKeys.NewSettings(GatewayTestbed.KeyId), "user-1"),
        // The old scheme: HS256 with a key every process shared. Refused whatever its key id.
        "hs256-shared-key" => AccessTokens.MintHs256(new JwtSettings { KeyId = GatewayTestbed.KeyId }, new string('k', 48), "user-1", "admin"),
        "tampered" => AccessTokens.Tampered(_bed.Token("user-1"), "admin"),
        _ => "not-a-jwt",
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Signed_in_routes_refuse_requests_without_a_valid_token(string kind)
    {
        var before = _bed["basket"].Requests.Count;

        using var basket = await _bed.GetAsync("/api/basket", BadToken(kind));
        using var orders = await _bed.GetAsync("/api/orders", BadToken(kind));
        using var profile = await _bed.GetAsync("/api/identity/profile", BadToken(kind));

        Assert.Equal(HttpStatusCode.Unauthorized, basket.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, orders.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, profile.StatusCode);
        Assert.Equal(before, _bed["basket"].Requests.Count);
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_tampered_or_invalid_token_is_no_admin(string kind)
    {
        using var response = await _bed.SendAsync(HttpMethod.Delete, "/api/catalog/items/1", BadToken(kind));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_valid_token_reaches_the_service_with_its_Authorization_header()
    {
        var token = _bed.Token("user-2");

        using var response = await _bed.GetAsync("/api/basket", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(_bed["basket"].Requests, request => request.Authorization == $"Bearer {token}");
    }

    [Theory]
    [InlineData("POST", "/api/catalog/items")]
    [InlineData("PUT", "/api/catalog/items/1")]
    [InlineData("PATCH", "/api/catalog/items/1")]
    [InlineData("DELETE", "/api/catalog/items/1")]
    [InlineData("GET", "/api/inventory/1")]
    [InlineData("PUT", "/api/inventory/1")]
    public async Task Admin_routes_forbid_other_users_and_admit_admins(string method, string path)
    {
        HttpContent? Body() => method is "GET" or "DELETE" ? null : JsonContent.Create(new { onHand = 5 });

        using var customer = await _bed.SendAsync(new HttpMethod(method), path, _bed.Token("user-3", "customer"), Body());
        using var admin = await _bed.SendAsync(new HttpMethod(method), path, _bed.Token("admin-1", "admin"), Body());

        Assert.Equal(HttpStatusCode.Forbidden, customer.StatusCode);
        Assert.Equal("application/problem+json", customer.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/catalog/items")]
    [InlineData("GET", "/api/catalog/items/7")]
    [InlineData("HEAD", "/api/catalog/categories")]
    [InlineData("POST", "/api/identity/register")]
    [InlineData("POST", "/api/identity/login")]
    [InlineData("POST", "/api/identity/refresh")]
    public async Task Public_routes_need_no_token(string method, string path)
    {
        using var response = await _bed.SendAsync(new HttpMethod(method), path,
            content: method == "POST" ? JsonContent.Create(new { email = "new@example.com", password = Backend.RightPassword }) : null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("POST", "/api/identity/logout")]
    [InlineData("GET", "/api/identity/profile")]
    [InlineData("PUT", "/api/identity/profile")]
    public async Task Identity_account_routes_need_a_signed_in_user(string method, string path)
    {
        using var anonymous = await _bed.SendAsync(new HttpMethod(method), path, content: JsonContent.Create(new { }));
        using var signedIn = await _bed.SendAsync(new HttpMethod(method), path, _bed.Token("user-4"), JsonContent.Create(new { }));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Contains(_bed["identity"].Requests, request => request.Path == path && request.Authorization is not null);
    }

    [Fact]
    public async Task A_refusal_is_a_ProblemDetails()
    {
        using var response = await _bed.GetAsync("/api/basket");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
