using System.Net;
using System.Net.Http.Json;

namespace IntegrationTests;

/// <summary>
/// Only catalog browsing, registration and login are open. Everything else needs a valid token at the
/// gateway, and the services check it again (defence in depth).
/// </summary>
[Collection(PlatformCollection.Name)]
public class EdgeSecurityTests(PlatformFixture platform)
{
    public static TheoryData<string, string> ProtectedRoutes => new()
    {
        { "GET", "/api/basket" },
        { "PUT", "/api/basket/items/1" },
        { "DELETE", "/api/basket" },
        { "GET", "/api/orders" },
        { "POST", "/api/orders" },
        { "GET", $"/api/orders/{Guid.NewGuid()}" },
        { "POST", $"/api/orders/{Guid.NewGuid()}/cancel" },
        { "GET", "/api/identity/profile" },
        { "PUT", "/api/identity/profile" },
        { "POST", "/api/identity/logout" },
        { "POST", "/api/catalog/items" },
        { "PUT", "/api/catalog/items/1" },
        { "DELETE", "/api/catalog/items/1" },
        { "GET", "/api/inventory/1" },
        { "PUT", "/api/inventory/1" },
    };

    public static TheoryData<string, string> AdminRoutes => new()
    {
        { "POST", "/api/catalog/items" },
        { "PUT", "/api/catalog/items/1" },
        { "DELETE", "/api/catalog/items/1" },
        { "GET", "/api/inventory/1" },
        { "PUT", "/api/inventory/1" },
    };

    private static HttpRequestMessage Request(string method, string path, string? token)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT")
        {
            request.Content = JsonContent.Create(new { });
        }

        return token is null ? request : request.WithToken(token);
    }

    /// <summary>The four ways a token can be bad: missing, expired, signed with another key, altered after signing.</summary>
    public static IEnumerable<(string Case, string? Token)> BadTokens()
    {
        yield return ("no token", null);
        yield return ("expired", Tokens.For("shopper-expired", expires: DateTime.UtcNow.AddMinutes(-5)));
        yield return ("another key", Tokens.For("shopper-forger", signingKey: Convert.ToHexString(Guid.NewGuid().ToByteArray()) + new string('k', 32)));
        var genuine = Tokens.For("shopper-genuine").Split('.');
        // Same signature, different claims: say the payload now names another user, with the admin role.
        var forged = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(
            """{"sub":"victim","role":"admin","iss":"ecommerce-identity","aud":"ecommerce","exp":4102444800}""");
        yield return ("tampered", $"{genuine[0]}.{forged}.{genuine[2]}");
    }

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task A_protected_route_answers_401_to_every_bad_token(string method, string path)
    {
        foreach (var (name, token) in BadTokens())
        {
            var response = await platform.Gateway.SendAsync(Request(method, path, token));

            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with {name}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task A_signed_in_shopper_on_an_admin_route_gets_403(string method, string path)
    {
        var response = await platform.Gateway.SendAsync(Request(method, path, Tokens.For($"shopper-{Guid.NewGuid():N}")));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("GET", "/api/catalog/items")]
    [InlineData("GET", "/api/catalog/items/1")]
    [InlineData("GET", "/api/catalog/categories")]
    [InlineData("GET", "/api/catalog/brands")]
    public async Task Catalog_browsing_is_open(string method, string path)
    {
        var response = await platform.Gateway.SendAsync(Request(method, path, null));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("basket", "GET", "/api/basket")]
    [InlineData("ordering", "GET", "/api/orders")]
    [InlineData("catalog", "POST", "/api/catalog/items")]
    [InlineData("catalog-2", "DELETE", "/api/catalog/items/1")]
    [InlineData("identity", "GET", "/api/identity/profile")]
    [InlineData("inventory", "GET", "/api/inventory/1")]
    [InlineData("inventory", "PUT", "/api/inventory/1")]
    public async Task The_services_refuse_a_caller_that_skips_the_gateway(string resource, string method, string path)
    {
        using var direct = Aspire.Hosting.Testing.DistributedApplicationHostingTestingExtensions.CreateHttpClient(platform.App, resource);

        var response = await direct.SendAsync(Request(method, path, Tokens.For("victim", signingKey: new string('z', 64))));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", null, HttpStatusCode.Unauthorized)]
    [InlineData("PUT", null, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "shopper", HttpStatusCode.Forbidden)]
    [InlineData("PUT", "shopper", HttpStatusCode.Forbidden)]
    [InlineData("GET", "admin", HttpStatusCode.OK)]
    public async Task Inventory_itself_keeps_stock_levels_to_administrators(string method, string? caller, HttpStatusCode expected)
    {
        using var direct = Aspire.Hosting.Testing.DistributedApplicationHostingTestingExtensions.CreateHttpClient(platform.App, "inventory");
        using var admin = platform.AdminClient();
        var productId = Random.Shared.Next(1_000_000, 2_000_000);
        (await admin.PutAsJsonAsync($"/api/inventory/{productId}", new { onHand = 3 })).EnsureSuccessStatusCode();
        var token = caller switch { "admin" => Tokens.For("inventory-admin", "admin"), "shopper" => Tokens.For("shopper-curious"), _ => null };
        var request = new HttpRequestMessage(new HttpMethod(method), $"/api/inventory/{productId}")
        {
            Content = method == "PUT" ? JsonContent.Create(new { onHand = 0 }) : null,
        };

        var response = await direct.SendAsync(token is null ? request : request.WithToken(token));

        Assert.Equal(expected, response.StatusCode);
        if (expected != HttpStatusCode.OK)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(3, (await admin.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/inventory/{productId}")).GetProperty("onHand").GetInt32());
    }

    [Theory]
    [InlineData("POST", "/api/inventory/reservations")]
    [InlineData("POST", "/api/inventory/reservations/3f2504e0-4f89-11d3-9a0c-0305e82c3301/release")]
    [InlineData("POST", "/api/inventory/1")]
    public async Task Inventory_reservations_are_not_reachable_through_the_gateway_even_for_an_administrator(string method, string path)
    {
        using var admin = platform.AdminClient();
        using var response = await admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { orderId = Guid.NewGuid(), lines = new[] { new { productId = 1, quantity = 1 } } }),
        });

        // Answered by the gateway's routing (no route, or not this method), never forwarded to Inventory.
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"{method} {path} answered {response.StatusCode}");
    }

    [Fact]
    public async Task A_catalog_write_by_a_shopper_is_refused_by_the_catalog_itself()
    {
        using var direct = Aspire.Hosting.Testing.DistributedApplicationHostingTestingExtensions.CreateHttpClient(platform.App, "catalog");

        var response = await direct.SendAsync(Request("DELETE", "/api/catalog/items/1", Tokens.For("shopper-sneaky")));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/catalog/items/1", null)]
    [InlineData("/api/catalog/items/999999999", null)]
    [InlineData("/api/basket", null)]
    [InlineData("/api/orders", "shopper")]
    public async Task Every_gateway_response_carries_the_trace_and_correlation_ids(string path, string? user)
    {
        var request = Request("GET", path, user is null ? null : Tokens.For($"{user}-{Guid.NewGuid():N}"));

        var response = await platform.Gateway.SendAsync(request);

        var traceId = response.Headers.GetValues("X-Trace-Id").Single();
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.False(string.IsNullOrWhiteSpace(response.Headers.GetValues("X-Correlation-Id").Single()));
    }

    [Fact]
    public async Task A_client_correlation_id_is_echoed()
    {
        var request = Request("GET", "/api/catalog/items/1", null);
        request.Headers.Add("X-Correlation-Id", "checkout-42");

        var response = await platform.Gateway.SendAsync(request);

        Assert.Equal("checkout-42", response.Headers.GetValues("X-Correlation-Id").Single());
    }
}
