using System.Net;
using System.Net.Http.Json;

namespace Gateway.Tests;

/// <summary>Per-route request body sizes (413) and timeouts (504).</summary>
public sealed class RequestLimitsTests
{
    private static HttpContent Body(int bytes) => new ByteArrayContent(new byte[bytes])
    {
        Headers = { ContentType = new("application/json") },
    };

    [Fact]
    public async Task Bodies_over_the_routes_limit_are_refused_with_413()
    {
        await using var bed = await GatewayTestbed.StartAsync();
        var admin = bed.Token("admin-1", "admin");
        // Expect: 100-continue lets the gateway refuse before the client sends the body.
        void Expect100(HttpRequestMessage request) => request.Headers.ExpectContinue = true;

        using var catalogWrite = await bed.SendAsync(HttpMethod.Post, "/api/catalog/items", admin, Body(300 * 1024), Expect100);
        using var login = await bed.SendAsync(HttpMethod.Post, "/api/identity/login", content: Body(20 * 1024), configure: Expect100);
        using var basket = await bed.SendAsync(HttpMethod.Put, "/api/basket/items/1", bed.Token("user-1"), Body(1100 * 1024), Expect100);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, catalogWrite.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, login.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, basket.StatusCode);
        Assert.Equal(0, bed.Backends.Values.Sum(backend => backend.Requests.Count(request => request.Method is "POST" or "PUT")));
    }

    [Fact]
    public async Task Bodies_within_the_routes_limit_pass()
    {
        await using var bed = await GatewayTestbed.StartAsync();

        using var catalogWrite = await bed.SendAsync(HttpMethod.Post, "/api/catalog/items", bed.Token("admin-1", "admin"), Body(200 * 1024));
        using var basket = await bed.SendAsync(HttpMethod.Put, "/api/basket/items/1", bed.Token("user-1"), Body(900 * 1024));

        Assert.Equal(HttpStatusCode.OK, catalogWrite.StatusCode);
        Assert.Equal(HttpStatusCode.OK, basket.StatusCode);
        Assert.Contains(bed.Backends.Values.SelectMany(backend => backend.Requests), request => request.BodyLength == 200 * 1024);
    }

    [Fact]
    public async Task A_service_slower_than_the_routes_timeout_policy_gets_504()
    {
        await using var bed = await GatewayTestbed.StartAsync(new Dictionary<string, string?> { ["Gateway:Timeouts:standard"] = "00:00:00.300" });
        foreach (var replica in GatewayTestbed.CatalogReplicas)
        {
            bed[replica].Delay = TimeSpan.FromMinutes(1);
        }

        bed["ordering"].Delay = TimeSpan.FromSeconds(1);

        using var slowCatalog = await bed.GetAsync("/api/catalog/items");
        // Orders have their own policy ("long"), untouched here: a second is fine.
        using var slowOrder = await bed.SendAsync(HttpMethod.Post, "/api/orders", bed.Token("user-1"), JsonContent.Create(new { }));

        Assert.Equal(HttpStatusCode.GatewayTimeout, slowCatalog.StatusCode);
        Assert.True(slowCatalog.Headers.Contains("X-Trace-Id"));
        Assert.Equal(HttpStatusCode.OK, slowOrder.StatusCode);
        // A timed-out GET is not tried again elsewhere: the time is the client's budget, spent.
        Assert.Equal(1, bed.Backends.Values.Sum(backend => backend.Count("GET")));
    }
}
