using Catalog.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Catalog.Api.Model;

/// <summary>
/// The product-list query as LINQ: the same expressions run against PostgreSQL in the service and
/// against plain lists in unit tests.
/// </summary>
public static class CatalogQueries
{
    public static IQueryable<CatalogItem> Filter(IQueryable<CatalogItem> items, CatalogItemsQuery query)
    {
        if (query.CategoryId is { } categoryId)
        {
            items = items.Where(i => i.CategoryId == categoryId);
        }

        if (query.BrandId is { } brandId)
        {
            items = items.Where(i => i.BrandId == brandId);
        }

        if (query.Text is { } text)
        {
            // Contains is translated with LIKE wildcards escaped, so "%" in a search is literal.
            var lowered = text.ToLowerInvariant();
            items = items.Where(i => i.Name.ToLower().Contains(lowered) || i.Description.ToLower().Contains(lowered));
        }

        if (query.MinPrice is { } min)
        {
            items = items.Where(i => i.Price >= min);
        }

        if (query.MaxPrice is { } max)
        {
            items = items.Where(i => i.Price <= max);
        }

        return items;
    }

    /// <summary>Orders by the requested key, then by id so that pages never overlap or skip rows.</summary>
    public static IOrderedQueryable<CatalogItem> Order(IQueryable<CatalogItem> items, CatalogSort sort) => sort switch
    {
        CatalogSort.Price => items.OrderBy(i => i.Price).ThenBy(i => i.Id),
        CatalogSort.PriceDescending => items.OrderByDescending(i => i.Price).ThenBy(i => i.Id),
        _ => items.OrderBy(i => i.Name).ThenBy(i => i.Id),
    };

    /// <summary>Checks that the category and brand a request names exist; errors by field name.</summary>
    public static async Task<Dictionary<string, string[]>> CheckReferencesAsync(
        CatalogContext db, CatalogItemRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!await db.Categories.AnyAsync(c => c.Id == request.CategoryId, cancellationToken))
        {
            errors["categoryId"] = [$"Category {request.CategoryId} does not exist."];
        }

        if (!await db.Brands.AnyAsync(b => b.Id == request.BrandId, cancellationToken))
        {
            errors["brandId"] = [$"Brand {request.BrandId} does not exist."];
        }

        return errors;
    }
}
