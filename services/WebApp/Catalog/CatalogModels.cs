namespace WebApp.Catalog;

/// <summary>A product as the public API shows it.</summary>
public sealed record CatalogItem(int Id, string Name, string Description, decimal Price, int CategoryId, int BrandId, int AvailableStock)
{
    /// <summary>Below this many, the shop says how many are left.</summary>
    public const int FewLeft = 5;

    public bool InStock => AvailableStock > 0;

    /// <summary>What a shopper reads about availability.</summary>
    public string Availability => AvailableStock switch
    {
        <= 0 => "Out of stock",
        <= FewLeft => $"Only {AvailableStock} left",
        _ => "In stock",
    };
}

/// <summary>A category or a brand.</summary>
public sealed record NamedEntity(int Id, string Name);

/// <summary>One page of products and how many match in all.</summary>
public sealed record CatalogPage(int PageIndex, int PageSize, long Count, IReadOnlyList<CatalogItem> Data)
{
    public int PageCount => PageSize == 0 ? 0 : (int)((Count + PageSize - 1) / PageSize);
}

/// <summary>What the catalog page asks for; every field maps to a query parameter of the page and of the API.</summary>
public sealed record CatalogQuery(
    string? Search = null, int? CategoryId = null, int? BrandId = null,
    decimal? MinPrice = null, decimal? MaxPrice = null, string? Sort = null, int PageIndex = 0, int PageSize = CatalogQuery.DefaultPageSize)
{
    public const int DefaultPageSize = 12;

    /// <summary>The sort orders the API knows, with what the shopper reads.</summary>
    public static readonly IReadOnlyList<(string Value, string Label)> SortOrders =
    [
        ("name", "Name"),
        ("price", "Price, low to high"),
        ("-price", "Price, high to low"),
    ];
}
