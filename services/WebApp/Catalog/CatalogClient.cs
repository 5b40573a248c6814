using System.Globalization;
using System.Net;
using Microsoft.Extensions.Caching.Hybrid;
using WebApp.PublicApi;

namespace WebApp.Catalog;

/// <summary>The catalog part of the public API (<c>/api/catalog</c>), through the gateway.</summary>
public sealed class CatalogClient(HttpClient http, HybridCache cache)
{
    public async Task<CatalogPage> ListItemsAsync(CatalogQuery query, CancellationToken cancellationToken)
    {
        var parameters = new List<string>
        {
            $"pageIndex={query.PageIndex}",
            $"pageSize={query.PageSize}",
        };
        Add("q", query.Search);
        Add("categoryId", query.CategoryId?.ToString(CultureInfo.InvariantCulture));
        Add("brandId", query.BrandId?.ToString(CultureInfo.InvariantCulture));
        Add("minPrice", query.MinPrice?.ToString(CultureInfo.InvariantCulture));
        Add("maxPrice", query.MaxPrice?.ToString(CultureInfo.InvariantCulture));
        Add("sort", query.Sort);
        return (await GetAsync<CatalogPage>($"api/catalog/items?{string.Join('&', parameters)}", cancellationToken))!;

        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                parameters.Add($"{name}={Uri.EscapeDataString(value.Trim())}");
            }
        }
    }

    /// <summary>The product, or null when there is none with this id.</summary>
    public Task<CatalogItem?> GetItemAsync(int id, CancellationToken cancellationToken) =>
        GetAsync<CatalogItem>($"api/catalog/items/{id}", cancellationToken, notFoundIsNull: true);

    /// <summary>The product's name, kept for a few minutes (product images show it).</summary>
    public async Task<string?> GetItemNameAsync(int id, CancellationToken cancellationToken) =>
        await cache.GetOrCreateAsync($"catalog:item-name:{id}",
            async token => (await GetItemAsync(id, token))?.Name, cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<NamedEntity>> ListCategoriesAsync(CancellationToken cancellationToken) =>
        await cache.GetOrCreateAsync("catalog:categories",
            async token => (await GetAsync<List<NamedEntity>>("api/catalog/categories", token))!, cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<NamedEntity>> ListBrandsAsync(CancellationToken cancellationToken) =>
        await cache.GetOrCreateAsync("catalog:brands",
            async token => (await GetAsync<List<NamedEntity>>("api/catalog/brands", token))!, cancellationToken: cancellationToken);

    private async Task<T?> GetAsync<T>(string path, CancellationToken cancellationToken, bool notFoundIsNull = false)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.GetAsync(path, cancellationToken), cancellationToken);
        return notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound
            ? default
            : await PublicApiCalls.ReadAsync<T>(response, cancellationToken);
    }
}
