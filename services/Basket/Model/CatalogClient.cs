using System.Net;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace Basket.Api.Model;

/// <summary>How long Basket keeps a product it read from Catalog (configuration section <c>Catalog</c>).</summary>
public sealed class CatalogReadOptions
{
    public const string SectionName = "Catalog";

    /// <summary>
    /// A product's name and price (or its absence) are reused for this long. Catalog's own replicas already
    /// serve a product up to 2 s old, so the default at most doubles how late a price change reaches a basket,
    /// and spares a call to Catalog on every basket change and checkout. Zero reads Catalog every time.
    /// </summary>
    public TimeSpan ProductLifetime { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Reads products from Catalog over HTTP, keeping each answer in process for
/// <see cref="CatalogReadOptions.ProductLifetime"/>; concurrent reads of one product share one call.
/// </summary>
public sealed class CatalogClient(HttpClient http, HybridCache cache, IOptions<CatalogReadOptions> options)
{
    private readonly HybridCacheEntryOptions _entries = new()
    {
        Expiration = options.Value.ProductLifetime,
        LocalCacheExpiration = options.Value.ProductLifetime,
    };

    /// <returns>The product, or null when Catalog does not know it.</returns>
    public async Task<CatalogItem?> GetItemAsync(int productId, CancellationToken cancellationToken) =>
        options.Value.ProductLifetime <= TimeSpan.Zero
            ? await ReadAsync(http, productId, cancellationToken)
            : await cache.GetOrCreateAsync($"catalog-item:{productId}", (http, productId),
                static (state, token) => new ValueTask<CatalogItem?>(ReadAsync(state.http, state.productId, token)),
                _entries, cancellationToken: cancellationToken);

    private static async Task<CatalogItem?> ReadAsync(HttpClient http, int productId, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"/api/catalog/items/{productId}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<CatalogItem>(cancellationToken);
    }
}
