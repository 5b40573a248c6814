namespace Catalog.Api.Model;

/// <summary>A product that can be browsed and bought.</summary>
public sealed class CatalogItem
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    public decimal Price { get; set; }
    public int CategoryId { get; set; }
    public CatalogCategory? Category { get; set; }
    public int BrandId { get; set; }
    public CatalogBrand? Brand { get; set; }
    public int AvailableStock { get; set; }

    /// <summary>Inventory's version of the stock figure shown (0 until Inventory announces one): only a newer one replaces it.</summary>
    public long StockVersion { get; set; }
}

/// <summary>A product category, such as Cycling or Kitchen.</summary>
public sealed class CatalogCategory
{
    public int Id { get; set; }
    public required string Name { get; set; }
}

/// <summary>A brand that makes products.</summary>
public sealed class CatalogBrand
{
    public int Id { get; set; }
    public required string Name { get; set; }
}
