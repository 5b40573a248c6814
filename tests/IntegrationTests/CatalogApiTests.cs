using System.Net;
using System.Net.Http.Json;
using TestSupport;

namespace IntegrationTests;

/// <summary>The catalog API through the gateway, against the real AppHost, PostgreSQL and Redis.</summary>
[Collection(PlatformCollection.Name)]
public class CatalogApiTests(PlatformFixture platform)
{
    private readonly HttpClient _gateway = platform.Gateway;
    private readonly HttpClient _admin = platform.AdminClient();
    private static readonly TimeSpan ReplicaConvergence = TimeSpan.FromSeconds(15);

    private async Task<CatalogPage> ListAsync(string query = "")
    {
        var response = await _gateway.GetAsync($"/api/catalog/items{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CatalogPage>())!;
    }

    private async Task<Problem> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<Problem>())!;
    }

    [Fact]
    public async Task The_seeded_catalog_has_at_least_100_products_in_several_categories_and_brands()
    {
        var page = await ListAsync();
        var categories = await _gateway.GetFromJsonAsync<NamedEntity[]>("/api/catalog/categories");
        var brands = await _gateway.GetFromJsonAsync<NamedEntity[]>("/api/catalog/brands");

        Assert.True(page.Count >= 100, $"only {page.Count} products");
        Assert.Equal(10, page.Data.Length);
        Assert.True(categories!.Length >= 5);
        Assert.True(brands!.Length >= 5);
        Assert.All(page.Data, item => Assert.True(item.Price > 0));
    }

    [Fact]
    public async Task Public_reads_let_a_shared_cache_keep_them_for_a_second_and_nothing_else_does()
    {
        foreach (var path in new[] { "/api/catalog/items/1", "/api/catalog/items?pageSize=3", "/api/catalog/categories", "/api/catalog/brands" })
        {
            using var response = await _gateway.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.CacheControl is { Public: true, Private: false, MaxAge.TotalSeconds: 1 },
                $"{path}: Cache-Control {response.Headers.CacheControl}");
        }

        using var unknown = await _gateway.GetAsync("/api/catalog/items/987654321");
        using var invalid = await _gateway.GetAsync("/api/catalog/items?pageSize=many");
        using var basket = await _admin.GetAsync("/api/basket");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.OK, basket.StatusCode);
        Assert.All(new[] { unknown, invalid, basket }, response => Assert.NotEqual(true, response.Headers.CacheControl?.Public));
    }

    [Fact]
    public async Task Pages_follow_each_other_without_overlap()
    {
        var first = await ListAsync("?pageSize=5&pageIndex=0");
        var second = await ListAsync("?pageSize=5&pageIndex=1");
        var both = await ListAsync("?pageSize=10&pageIndex=0");

        Assert.Equal((0, 5), (first.PageIndex, first.PageSize));
        Assert.Equal(1, second.PageIndex);
        Assert.Equal(both.Data.Select(i => i.Id), first.Data.Concat(second.Data).Select(i => i.Id));
        Assert.Equal(both.Count, first.Count);
    }

    [Fact]
    public async Task A_page_past_the_end_is_empty_but_still_counts()
    {
        var page = await ListAsync("?pageSize=100&pageIndex=1000");

        Assert.Empty(page.Data);
        Assert.True(page.Count >= 100);
    }

    [Fact]
    public async Task Category_filter_returns_only_that_category()
    {
        var categories = (await _gateway.GetFromJsonAsync<NamedEntity[]>("/api/catalog/categories"))!;
        var all = await ListAsync();
        var page = await ListAsync($"?categoryId={categories[0].Id}&pageSize=100");

        Assert.NotEmpty(page.Data);
        Assert.True(page.Count < all.Count);
        Assert.All(page.Data, item => Assert.Equal(categories[0].Id, item.CategoryId));
    }

    [Fact]
    public async Task Brand_filter_returns_only_that_brand()
    {
        var brands = (await _gateway.GetFromJsonAsync<NamedEntity[]>("/api/catalog/brands"))!;
        var page = await ListAsync($"?brandId={brands[1].Id}&pageSize=100");

        Assert.NotEmpty(page.Data);
        Assert.All(page.Data, item => Assert.Equal(brands[1].Id, item.BrandId));
    }

    [Fact]
    public async Task Text_search_matches_name_or_description_case_insensitively()
    {
        var page = await ListAsync("?q=HeLmEt&pageSize=100");

        Assert.NotEmpty(page.Data);
        Assert.All(page.Data, item => Assert.True(
            item.Name.Contains("helmet", StringComparison.OrdinalIgnoreCase) ||
            item.Description.Contains("helmet", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task Price_range_filter_is_inclusive()
    {
        var page = await ListAsync("?minPrice=50&maxPrice=100&pageSize=100");

        Assert.NotEmpty(page.Data);
        Assert.All(page.Data, item => Assert.InRange(item.Price, 50m, 100m));
    }

    [Fact]
    public async Task Filters_combine()
    {
        var categories = (await _gateway.GetFromJsonAsync<NamedEntity[]>("/api/catalog/categories"))!;
        var category = categories[0].Id;
        var page = await ListAsync($"?categoryId={category}&maxPrice=200&sort=price&pageSize=100");

        Assert.All(page.Data, item =>
        {
            Assert.Equal(category, item.CategoryId);
            Assert.True(item.Price <= 200m);
        });
    }

    [Theory]
    [InlineData("price")]
    [InlineData("-price")]
    [InlineData("name")]
    public async Task Sorting_orders_the_whole_result(string sort)
    {
        var items = (await ListAsync($"?sort={Uri.EscapeDataString(sort)}&pageSize=100")).Data;

        Assert.Equal(100, items.Length);
        for (var i = 1; i < items.Length; i++)
        {
            var (previous, current) = (items[i - 1], items[i]);
            switch (sort)
            {
                case "price": Assert.True(previous.Price <= current.Price, $"{previous.Price} before {current.Price}"); break;
                case "-price": Assert.True(previous.Price >= current.Price, $"{previous.Price} before {current.Price}"); break;
                default: Assert.True(string.CompareOrdinal(previous.Name, current.Name) <= 0, $"{previous.Name} before {current.Name}"); break;
            }
        }
    }

    [Fact]
    public async Task Get_by_id_returns_the_product_as_listed()
    {
        var listed = (await ListAsync("?pageSize=1")).Data.Single();

        var item = await _gateway.GetFromJsonAsync<CatalogItem>($"/api/catalog/items/{listed.Id}");

        Assert.Equal(listed, item);
    }

    [Theory]
    [InlineData("/api/catalog/items/2147483647")]
    [InlineData("/api/catalog/items/0")]
    [InlineData("/api/catalog/items/not-a-number")]
    public async Task Unknown_product_is_404(string path)
    {
        var response = await _gateway.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("?pageSize=0", "pageSize")]
    [InlineData("?pageSize=101", "pageSize")]
    [InlineData("?pageSize=abc", "pageSize")]
    [InlineData("?pageIndex=-1", "pageIndex")]
    [InlineData("?categoryId=x", "categoryId")]
    [InlineData("?brandId=0", "brandId")]
    [InlineData("?minPrice=cheap", "minPrice")]
    [InlineData("?minPrice=10&maxPrice=5", "maxPrice")]
    [InlineData("?sort=random", "sort")]
    public async Task Bad_query_is_400_naming_the_field(string query, string field)
    {
        var problem = await ProblemAsync(await _gateway.GetAsync($"/api/catalog/items{query}"), HttpStatusCode.BadRequest);

        Assert.Equal(400, problem.Status);
        Assert.Contains(field, problem.Errors!.Keys);
    }

    [Fact]
    public async Task Invalid_product_body_is_400_naming_every_bad_field()
    {
        var response = await _admin.PostAsJsonAsync("/api/catalog/items", new { name = "", price = -1 });
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);

        Assert.Superset(new HashSet<string> { "name", "price", "categoryId", "brandId" }, problem.Errors!.Keys.ToHashSet());
    }

    [Fact]
    public async Task A_body_value_of_the_wrong_type_is_400_naming_it()
    {
        using var content = new StringContent("""{"name":"x","price":"free","categoryId":1,"brandId":1}""", System.Text.Encoding.UTF8, "application/json");
        var problem = await ProblemAsync(await _admin.PostAsync("/api/catalog/items", content), HttpStatusCode.BadRequest);

        Assert.Equal(["price"], problem.Errors!.Keys);
    }

    [Fact]
    public async Task Malformed_json_is_400_not_500()
    {
        using var content = new StringContent("""{"name": """, System.Text.Encoding.UTF8, "application/json");
        var problem = await ProblemAsync(await _admin.PostAsync("/api/catalog/items", content), HttpStatusCode.BadRequest);

        Assert.NotEmpty(problem.Errors!);
    }

    [Fact]
    public async Task Unknown_category_or_brand_is_400_naming_it()
    {
        var response = await _admin.PostAsJsonAsync("/api/catalog/items",
            new { name = "Ghost", price = 10m, categoryId = 999_999, brandId = 999_999 });
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);

        Assert.Equal(["brandId", "categoryId"], problem.Errors!.Keys.Order());
    }

    [Fact]
    public async Task Create_update_delete_round_trip_is_visible_in_the_list()
    {
        var categories = (await _gateway.GetFromJsonAsync<NamedEntity[]>("/api/catalog/categories"))!;
        var brands = (await _gateway.GetFromJsonAsync<NamedEntity[]>("/api/catalog/brands"))!;
        var marker = $"RoundTrip{Guid.NewGuid():N}"[..20];

        // Create
        var created = await _admin.PostAsJsonAsync("/api/catalog/items", new
        {
            name = $"{marker} Lantern",
            description = "A test lantern",
            price = 24.50m,
            categoryId = categories[0].Id,
            brandId = brands[0].Id,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var item = (await created.Content.ReadFromJsonAsync<CatalogItem>())!;
        Assert.Equal($"/api/catalog/items/{item.Id}", created.Headers.Location?.OriginalString);
        // A new product has no stock until Inventory is told otherwise.
        Assert.Equal(new CatalogItem(item.Id, $"{marker} Lantern", "A test lantern", 24.50m, categories[0].Id, brands[0].Id, 0), item);
        Assert.Equal(item, await _gateway.GetFromJsonAsync<CatalogItem>($"/api/catalog/items/{item.Id}"));
        Assert.Equal([item.Id], (await ListAsync($"?q={marker}")).Data.Select(i => i.Id));

        // Update (the cached copy read above must not survive it)
        var updated = await _admin.PutAsJsonAsync($"/api/catalog/items/{item.Id}", new
        {
            name = $"{marker} Lantern XL",
            description = "Bigger",
            price = 30m,
            categoryId = categories[1].Id,
            brandId = brands[1].Id,
        });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var expected = new CatalogItem(item.Id, $"{marker} Lantern XL", "Bigger", 30m, categories[1].Id, brands[1].Id, 0);
        // Catalog runs as several replicas: the writer drops the shared (Redis) copy at once, the other
        // replicas' in-process copies expire within seconds. Reads converge; poll, with a deadline.
        await Eventually.UntilAsync(() => _gateway.GetFromJsonAsync<CatalogItem>($"/api/catalog/items/{item.Id}"),
            read => read == expected, ReplicaConvergence, "every replica to serve the update");
        await Eventually.UntilAsync(() => ListAsync($"?q={marker}&categoryId={categories[1].Id}"),
            page => page.Data.SequenceEqual([expected]), ReplicaConvergence, "the list to show the update");

        // Delete
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/catalog/items/{item.Id}")).StatusCode);
        await Eventually.UntilAsync(() => _gateway.GetAsync($"/api/catalog/items/{item.Id}"),
            response => response.StatusCode == HttpStatusCode.NotFound, ReplicaConvergence, "the item to be gone");
        await Eventually.UntilAsync(() => ListAsync($"?q={marker}"), page => page.Data.Length == 0, ReplicaConvergence, "the list to drop it");
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.DeleteAsync($"/api/catalog/items/{item.Id}")).StatusCode);
    }

    [Fact]
    public async Task Updating_an_unknown_product_is_404()
    {
        var response = await _admin.PutAsJsonAsync("/api/catalog/items/2147483647",
            new { name = "Nobody", price = 1m, categoryId = 1, brandId = 1 });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
