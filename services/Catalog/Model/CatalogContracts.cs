using System.ComponentModel.DataAnnotations;

namespace Catalog.Api.Model;

/// <summary>A product as the API shows it.</summary>
public sealed record CatalogItemDto(
    int Id, string Name, string Description, decimal Price, int CategoryId, int BrandId, int AvailableStock)
{
    public static CatalogItemDto From(CatalogItem item) =>
        new(item.Id, item.Name, item.Description, item.Price, item.CategoryId, item.BrandId, item.AvailableStock);
}

/// <summary>A category or a brand.</summary>
public sealed record NamedEntityDto(int Id, string Name);

/// <summary>One page of a query's results, with the total count across all pages.</summary>
public sealed record PaginatedItems<T>(int PageIndex, int PageSize, long Count, IReadOnlyList<T> Data);

/// <summary>The body of a create or a full update of a product (administrators).</summary>
public sealed record CatalogItemRequest : IValidatableObject
{
    [Required, StringLength(200, MinimumLength = 1)]
    public string? Name { get; init; }

    [StringLength(4000)]
    public string? Description { get; init; }

    /// <summary>Unit price; at least 0.01, at most 1,000,000, two decimals at most.</summary>
    [Required, Range(typeof(decimal), "0.01", "1000000")]
    public decimal? Price { get; init; }

    [Required, Range(1, int.MaxValue)]
    public int? CategoryId { get; init; }

    [Required, Range(1, int.MaxValue)]
    public int? BrandId { get; init; }

    /// <summary>
    /// Not accepted: Inventory owns stock (<c>PUT /api/inventory/{id}</c>). Declared only so that a client
    /// that still sends it is told so by name instead of having it ignored.
    /// </summary>
    public int? AvailableStock { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AvailableStock is not null)
        {
            yield return new ValidationResult(
                "Stock is owned by Inventory: set it with PUT /api/inventory/{id}; a new product starts with none.",
                [nameof(AvailableStock)]);
        }
    }
}
