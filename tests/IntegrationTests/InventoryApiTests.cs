using System.Net;
using System.Net.Http.Json;

namespace IntegrationTests;

/// <summary>The Inventory function app under the AppHost (plain host), through the gateway.</summary>
[Collection(PlatformCollection.Name)]
public class InventoryApiTests(PlatformFixture platform)
{
    private readonly HttpClient _admin = platform.AdminClient();
    private sealed record StockLevel(int ProductId, int OnHand, int Reserved, int Available);

    [Fact]
    public async Task Stock_can_be_set_and_read_through_the_gateway()
    {
        var productId = Random.Shared.Next(1_000_000, int.MaxValue);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync($"/api/inventory/{productId}")).StatusCode);

        var put = await _admin.PutAsJsonAsync($"/api/inventory/{productId}", new { onHand = 12 });

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(new StockLevel(productId, 12, 0, 12), await _admin.GetFromJsonAsync<StockLevel>($"/api/inventory/{productId}"));
    }

    [Fact]
    public async Task A_bad_stock_body_is_400_naming_the_field()
    {
        using var content = new StringContent("""{"onHand":"lots"}""", System.Text.Encoding.UTF8, "application/json");

        var response = await _admin.PutAsync("/api/inventory/5", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("onHand", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("inventory")]
    [InlineData("payment")]
    [InlineData("orderworkflow")]
    public async Task Each_function_app_is_healthy_under_the_AppHost(string resource)
    {
        using var client = Aspire.Hosting.Testing.DistributedApplicationHostingTestingExtensions.CreateHttpClient(platform.App, resource);

        var response = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>Catalog ↔ Inventory: the catalog shows Inventory's availability, eventually.</summary>
[Collection(PlatformCollection.Name)]
public class CatalogAvailabilityTests(PlatformFixture platform)
{
    private readonly HttpClient _admin = platform.AdminClient();
    [Fact]
    public async Task Stock_set_in_inventory_shows_as_availability_in_the_catalog()
    {
        var created = await _admin.PostAsJsonAsync("/api/catalog/items",
            new { name = $"Availability {Guid.NewGuid():N}"[..28], price = 3m, categoryId = 1, brandId = 1, availableStock = 0 });
        var item = (await created.Content.ReadFromJsonAsync<CatalogItem>())!;

        (await _admin.PutAsJsonAsync($"/api/inventory/{item.Id}", new { onHand = 17 })).EnsureSuccessStatusCode();

        var shown = await Poll.UntilAsync(
            async () => (await platform.Gateway.GetFromJsonAsync<CatalogItem>($"/api/catalog/items/{item.Id}"))!,
            i => i.AvailableStock == 17, TimeSpan.FromSeconds(30), "the catalog to show the new availability");
        Assert.Equal(17, shown.AvailableStock);
    }
}
