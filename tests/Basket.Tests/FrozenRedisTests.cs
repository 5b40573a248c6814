using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Basket.Grpc;
using Grpc.Core;
using TestSupport;

namespace Basket.Tests;

/// <summary>
/// Basket's store, Redis, frozen (SIGSTOP) past the client's timeouts, as a long pause or a partition looks:
/// requests are refused with 503 and Retry-After (gRPC: Unavailable), never 500 (gRPC: Unknown), and are
/// served again after the thaw. A fixture of its own, so the freeze touches no other test's Redis.
/// </summary>
public sealed class FrozenRedisTests(BasketFixture fixture) : IClassFixture<BasketFixture>
{
    [Fact]
    public async Task With_Redis_frozen_basket_requests_are_503_with_Retry_After_or_Unavailable_and_are_served_again_after_the_thaw()
    {
        var mug = fixture.NewProduct("Mug", 5m);
        var user = $"user-{Guid.NewGuid():N}";
        using var client = fixture.ClientFor(user);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/basket/items/{mug}", new { quantity = 1 })).StatusCode);

        var refused = new List<HttpResponseMessage>();
        RpcException? checkoutRead;
        fixture.Servers.FreezeRedis();
        try
        {
            refused.Add(await client.PutAsJsonAsync($"/api/basket/items/{mug}", new { quantity = 2 }));
            refused.Add(await client.GetAsync("/api/basket"));
            refused.Add(await client.DeleteAsync($"/api/basket/items/{mug}"));
            // Ordering's read at checkout, over gRPC.
            checkoutRead = await Record.ExceptionAsync(() => new BasketService.BasketServiceClient(fixture.GrpcChannel)
                .GetBasketAsync(new GetBasketRequest { UserId = user }, fixture.ServiceCaller()).ResponseAsync) as RpcException;
        }
        finally
        {
            fixture.Servers.ThawRedis(); // never leave a stopped process behind, whatever failed
        }

        foreach (var response in refused)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter?.Delta);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(503, problem.GetProperty("status").GetInt32());
            response.Dispose();
        }

        Assert.True(checkoutRead?.StatusCode == StatusCode.Unavailable, $"gRPC answered {checkoutRead?.Status}");

        // Served again once Redis answers (the client reconnects on its own).
        var basket = await Eventually.UntilAsync(async () =>
        {
            using var response = await client.GetAsync("/api/basket");
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : (JsonElement?)null;
        }, b => b is not null, TimeSpan.FromMinutes(1), "the basket to be served after the thaw");
        Assert.Equal(1, basket!.Value.GetProperty("items")[0].GetProperty("quantity").GetInt32());
    }
}
