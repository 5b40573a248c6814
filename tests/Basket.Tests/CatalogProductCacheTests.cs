using System.Net;
using System.Net.Http.Json;
using Basket.Grpc;

namespace Basket.Tests;

/// <summary>Basket keeps the products it read from Catalog for their lifetime (an hour in this fixture).</summary>
public sealed class CatalogProductCacheTests(CachingBasketFixture fixture) : IClassFixture<CachingBasketFixture>
{
    [Fact]
    public async Task A_product_is_read_from_Catalog_once_however_many_baskets_and_checkouts_use_it_within_its_lifetime()
    {
        var mug = fixture.NewProduct("Mug", 5m);
        var users = Enumerable.Range(0, 3).Select(_ => $"user-{Guid.NewGuid():N}").ToList();
        var readsBefore = fixture.CatalogReads;

        foreach (var user in users)
        {
            using var client = fixture.ClientFor(user);
            Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/basket/items/{mug}", new { quantity = 2 })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/basket")).StatusCode);
            var reply = await new BasketService.BasketServiceClient(fixture.GrpcChannel)
                .GetBasketAsync(new GetBasketRequest { UserId = user }, fixture.ServiceCaller());
            Assert.Equal("10", reply.Total);
        }

        Assert.Equal(1, fixture.CatalogReads - readsBefore);
    }

    [Fact]
    public async Task Shoppers_adding_a_product_at_once_share_one_read_from_Catalog()
    {
        var lamp = fixture.NewProduct("Lamp", 30m);
        var clients = Enumerable.Range(0, 10).Select(_ => fixture.ClientFor($"user-{Guid.NewGuid():N}")).ToList();
        var readsBefore = fixture.CatalogReads;

        var responses = await Task.WhenAll(clients.Select(client => client.PutAsJsonAsync($"/api/basket/items/{lamp}", new { quantity = 1 })));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(1, fixture.CatalogReads - readsBefore);
        clients.ForEach(client => client.Dispose());
    }

    [Fact]
    public async Task A_product_Catalog_does_not_know_is_refused_again_without_asking_Catalog_again()
    {
        var unknown = fixture.NewProduct("Ghost", 1m);
        fixture.Products.TryRemove(unknown, out _);
        using var client = fixture.ClientFor($"user-{Guid.NewGuid():N}");
        var readsBefore = fixture.CatalogReads;

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync($"/api/basket/items/{unknown}", new { quantity = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync($"/api/basket/items/{unknown}", new { quantity = 1 })).StatusCode);

        Assert.Equal(1, fixture.CatalogReads - readsBefore);
    }
}
