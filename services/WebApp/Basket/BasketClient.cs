using WebApp.PublicApi;

namespace WebApp.Basket;

/// <summary>A line of the shopper's basket, at the catalog's current name and price.</summary>
public sealed record BasketLine(int ProductId, string Name, int Quantity, decimal UnitPrice)
{
    public decimal LineTotal => Quantity * UnitPrice;
}

/// <summary>The shopper's basket.</summary>
public sealed record ShopperBasket(IReadOnlyList<BasketLine> Items, decimal Total)
{
    public int Count => Items.Sum(i => i.Quantity);
}

/// <summary>The basket part of the public API (<c>/api/basket</c>), with the signed-in shopper's token.</summary>
public sealed class BasketClient(HttpClient http)
{
    /// <summary>At most this many of one product (the API's limit).</summary>
    public const int MaxQuantity = 1000;

    public async Task<ShopperBasket> GetAsync(CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.GetAsync("api/basket", cancellationToken), cancellationToken);
        return await PublicApiCalls.ReadAsync<ShopperBasket>(response, cancellationToken);
    }

    /// <summary>Sets the quantity of a product (adds the line if it is new).</summary>
    public async Task<ShopperBasket> SetQuantityAsync(int productId, int quantity, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(
            () => http.PutAsJsonAsync($"api/basket/items/{productId}", new { quantity }, cancellationToken), cancellationToken);
        return await PublicApiCalls.ReadAsync<ShopperBasket>(response, cancellationToken);
    }

    /// <summary>One more of a product: what "Add to basket" does.</summary>
    public async Task<ShopperBasket> AddOneAsync(int productId, CancellationToken cancellationToken)
    {
        var basket = await GetAsync(cancellationToken);
        var current = basket.Items.FirstOrDefault(i => i.ProductId == productId)?.Quantity ?? 0;
        return await SetQuantityAsync(productId, Math.Min(current + 1, MaxQuantity), cancellationToken);
    }

    public async Task<ShopperBasket> RemoveAsync(int productId, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.DeleteAsync($"api/basket/items/{productId}", cancellationToken), cancellationToken);
        return await PublicApiCalls.ReadAsync<ShopperBasket>(response, cancellationToken);
    }
}
