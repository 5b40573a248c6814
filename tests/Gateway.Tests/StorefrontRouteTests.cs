using System.Net;

namespace Gateway.Tests;

/// <summary>The gateway's root is the storefront: every path outside <c>/api</c> (and its own endpoints) goes to it.</summary>
public sealed class StorefrontRouteTests(SharedTestbed shared) : IClassFixture<SharedTestbed>
{
    private readonly GatewayTestbed _bed = shared.Bed;

    [Theory]
    [InlineData("/")]
    [InlineData("/catalog?q=tent&page=2")]
    [InlineData("/products/7")]
    [InlineData("/images/products/7.svg")]
    public async Task Pages_are_public_and_served_by_the_storefront(string path)
    {
        using var response = await _bed.GetAsync(path); // no token

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(_bed["webapp"].Requests, r => r.Method == "GET" && path.StartsWith(r.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_api_path_no_route_serves_is_the_apis_not_found_not_a_page()
    {
        var before = _bed["webapp"].Requests.Count;

        using var response = await _bed.GetAsync("/api/nowhere/at-all");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, _bed["webapp"].Requests.Count);
    }

    [Fact]
    public async Task The_gateways_own_endpoints_stay_its_own()
    {
        var before = _bed["webapp"].Requests.Count;

        using var health = await _bed.GetAsync("/health/ready");
        using var document = await _bed.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        Assert.DoesNotContain(_bed["webapp"].Requests.Skip(before), r => r.Path is "/health/ready" or "/openapi/v1.json");
    }
}
