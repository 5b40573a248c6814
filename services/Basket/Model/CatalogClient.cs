using System.Net;

namespace Basket.Api.Model;

/// <summary>
/// Reads products from Catalog over HTTP. Nothing is cached here: Catalog caches its own answers, and
/// a basket must show the current price.
/// </summary>
public sealed class CatalogClient(HttpClient http)
{
    /// <returns>The product, or null when Catalog does not know it.</returns>
    public async Task<CatalogItem?> GetItemAsync(int productId, CancellationToken cancellationToken)
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
