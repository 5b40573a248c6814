namespace IntegrationTests;

// The catalog's public contract as a client sees it (docs/api.md), independent of the service's types.
public sealed record CatalogItem(int Id, string Name, string Description, decimal Price, int CategoryId, int BrandId, int AvailableStock);

public sealed record CatalogPage(int PageIndex, int PageSize, long Count, CatalogItem[] Data);

public sealed record NamedEntity(int Id, string Name);

public sealed record Problem(int Status, string? Title, Dictionary<string, string[]>? Errors);

/// <summary>Catalog writes a test needs as an administrator would make them.</summary>
public static class CatalogAdministration
{
    /// <summary>A new product of the test's own (nothing on hand until someone stocks it), named <paramref name="name"/> and a unique suffix.</summary>
    public static async Task<CatalogItem> NewProductAsync(this HttpClient admin, string name)
    {
        var created = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(admin, "/api/catalog/items",
            new { name = $"{name} {Guid.NewGuid():N}"[..(name.Length + 13)], price = 5m, categoryId = 1, brandId = 1 });
        return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<CatalogItem>(created.EnsureSuccessStatusCode().Content))!;
    }
}
