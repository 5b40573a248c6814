namespace Basket.Api.Model;

/// <summary>
/// What is stored per user: only ids and quantities, so prices and names are always current, and the
/// basket's version. The version grows with every change, emptying included, and never restarts (the
/// key is emptied, not deleted), so a checkout can consume exactly the version it read and a basket
/// filled again is never taken for one already checked out.
/// </summary>
public sealed record StoredBasket(List<StoredLine> Items, long Version = 0)
{
    public static StoredBasket Empty(long version) => new([], version);
}

public sealed record StoredLine(int ProductId, int Quantity);

/// <summary>A basket line as clients see it, priced from the catalog at read time.</summary>
public sealed record BasketLineDto(int ProductId, string Name, int Quantity, decimal UnitPrice);

/// <summary>A basket priced from the catalog, with the version of the stored basket it was priced from.</summary>
public sealed record PricedBasket(BasketDto Basket, long Version);

public sealed record BasketDto(IReadOnlyList<BasketLineDto> Items, decimal Total)
{
    public static BasketDto From(IReadOnlyList<BasketLineDto> lines) =>
        new(lines, lines.Sum(line => line.UnitPrice * line.Quantity));
}

/// <summary>Body of <c>PUT /api/basket/items/{productId}</c>.</summary>
public sealed record SetQuantityRequest(int Quantity);

/// <summary>The part of Catalog's item that the basket needs (other fields are ignored).</summary>
// Immutable: the in-process cache hands out the same instance instead of a copy per read.
[System.ComponentModel.ImmutableObject(true)]
public sealed record CatalogItem(int Id, string Name, decimal Price);
