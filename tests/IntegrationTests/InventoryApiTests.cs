using System.Net;
using System.Net.Http.Json;
using TestSupport;

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

    private sealed record StockLevel(int ProductId, int OnHand, int Reserved, int Available);

    [Fact]
    public async Task Every_seeded_product_is_stocked_in_inventory_with_the_figure_the_catalog_shows()
    {
        // Nothing is stocked by hand: a fresh platform holds a row for every catalog product.
        var page = (await platform.Gateway.GetFromJsonAsync<CatalogPage>("/api/catalog/items?pageSize=100"))!;
        var second = (await platform.Gateway.GetFromJsonAsync<CatalogPage>("/api/catalog/items?pageSize=100&pageIndex=1"))!;
        var seeded = page.Data.Concat(second.Data).Where(i => i.Id <= 120).ToList();
        Assert.Equal(120, seeded.Count);

        foreach (var item in seeded)
        {
            // Other tests may be buying seeded products right now: compare until both sides agree.
            await Eventually.UntilAsync(
                async () => (
                    Catalog: (await platform.Gateway.GetFromJsonAsync<CatalogItem>($"/api/catalog/items/{item.Id}"))!.AvailableStock,
                    Inventory: (await _admin.GetFromJsonAsync<StockLevel>($"/api/inventory/{item.Id}"))!),
                pair => pair.Catalog == pair.Inventory.Available, TimeSpan.FromSeconds(30),
                $"catalog and inventory to agree on product {item.Id}");
        }
    }

    [Fact]
    public async Task A_catalog_write_does_not_accept_a_stock_figure()
    {
        var response = await _admin.PostAsJsonAsync("/api/catalog/items",
            new { name = $"Stocked {Guid.NewGuid():N}"[..20], price = 3m, categoryId = 1, brandId = 1, availableStock = 5 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<Problem>())!;
        Assert.Equal(["availableStock"], problem.Errors!.Keys);
        Assert.Contains("/api/inventory/", problem.Errors["availableStock"][0]);
    }

    [Fact]
    public async Task A_product_created_by_an_administrator_starts_with_zero_stock_in_inventory()
    {
        var created = await _admin.PostAsJsonAsync("/api/catalog/items",
            new { name = $"Unstocked {Guid.NewGuid():N}"[..24], price = 3m, categoryId = 1, brandId = 1 });
        var item = (await created.Content.ReadFromJsonAsync<CatalogItem>())!;
        Assert.Equal(0, item.AvailableStock);

        // Inventory learns of it from the catalog's ProductCreated event.
        var level = await Eventually.UntilAsync(
            () => _admin.GetAsync($"/api/inventory/{item.Id}"),
            response => response.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "Inventory to record the new product");
        Assert.Equal(new StockLevel(item.Id, 0, 0, 0), await level.Content.ReadFromJsonAsync<StockLevel>());
    }

    [Fact]
    public async Task Stock_set_in_inventory_shows_as_availability_in_the_catalog()
    {
        var created = await _admin.PostAsJsonAsync("/api/catalog/items",
            new { name = $"Availability {Guid.NewGuid():N}"[..28], price = 3m, categoryId = 1, brandId = 1 });
        var item = (await created.Content.ReadFromJsonAsync<CatalogItem>())!;

        (await _admin.PutAsJsonAsync($"/api/inventory/{item.Id}", new { onHand = 17 })).EnsureSuccessStatusCode();

        var shown = await Eventually.UntilAsync(
            async () => (await platform.Gateway.GetFromJsonAsync<CatalogItem>($"/api/catalog/items/{item.Id}"))!,
            i => i.AvailableStock == 17, TimeSpan.FromSeconds(30), "the catalog to show the new availability");
        Assert.Equal(17, shown.AvailableStock);
    }
}
