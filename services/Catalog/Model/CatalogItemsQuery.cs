using System.Globalization;

namespace Catalog.Api.Model;

/// <summary>How a product list is ordered.</summary>
public enum CatalogSort
{
    Name,
    Price,
    PriceDescending,
}

/// <summary>
/// A validated product-list query. Built from the raw query string by <see cref="Parse"/>, which names
/// each field that is wrong so that clients get a 400 they can act on.
/// </summary>
public sealed record CatalogItemsQuery(
    int PageIndex,
    int PageSize,
    int? CategoryId,
    int? BrandId,
    string? Text,
    decimal? MinPrice,
    decimal? MaxPrice,
    CatalogSort Sort)
{
    public const int DefaultPageSize = 10;
    public const int MaxPageSize = 100;
    public const int MaxTextLength = 100;

    private static readonly Dictionary<string, CatalogSort> SortNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["name"] = CatalogSort.Name,
        ["price"] = CatalogSort.Price,
        ["-price"] = CatalogSort.PriceDescending,
    };

    /// <summary>Parses and validates the raw values; returns the query or the errors by field name.</summary>
    public static (CatalogItemsQuery? Query, Dictionary<string, string[]> Errors) Parse(
        string? pageIndex, string? pageSize, string? categoryId, string? brandId, string? q,
        string? minPrice, string? maxPrice, string? sort)
    {
        var errors = new Dictionary<string, string[]>();

        var index = ParseInt(pageIndex, "pageIndex", 0, int.MaxValue, errors) ?? 0;
        var size = ParseInt(pageSize, "pageSize", 1, MaxPageSize, errors) ?? DefaultPageSize;
        var category = ParseInt(categoryId, "categoryId", 1, int.MaxValue, errors);
        var brand = ParseInt(brandId, "brandId", 1, int.MaxValue, errors);
        var min = ParseDecimal(minPrice, "minPrice", errors);
        var max = ParseDecimal(maxPrice, "maxPrice", errors);

        if (min is not null && max is not null && min > max)
        {
            errors["maxPrice"] = ["maxPrice must be greater than or equal to minPrice."];
        }

        var text = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        if (text is { Length: > MaxTextLength })
        {
            errors["q"] = [$"q must be at most {MaxTextLength} characters."];
        }
        else if (text is not null && !StorableText.IsStorable(text))
        {
            // The search reaches PostgreSQL, which would refuse it with a 500.
            errors["q"] = [StorableText.Rule];
        }

        var order = CatalogSort.Name;
        if (!string.IsNullOrEmpty(sort) && !SortNames.TryGetValue(sort, out order))
        {
            errors["sort"] = ["sort must be one of: name, price, -price."];
        }

        // Skipping past int.MaxValue rows is never a real page; refuse it before it overflows.
        if (!errors.ContainsKey("pageIndex") && !errors.ContainsKey("pageSize") && (long)index * size > int.MaxValue)
        {
            errors["pageIndex"] = ["pageIndex is too large for this pageSize."];
        }

        return errors.Count > 0
            ? (null, errors)
            : (new CatalogItemsQuery(index, size, category, brand, text, min, max, order), errors);
    }

    private static int? ParseInt(string? raw, string field, int min, int max, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }

        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            errors[field] = [$"{field} must be a whole number."];
            return null;
        }

        if (value < min || value > max)
        {
            errors[field] = [max == int.MaxValue
                ? $"{field} must be at least {min}."
                : $"{field} must be between {min} and {max}."];
            return null;
        }

        return value;
    }

    private static decimal? ParseDecimal(string? raw, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }

        if (!decimal.TryParse(raw, NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
        {
            errors[field] = [$"{field} must be a number."];
            return null;
        }

        if (value < 0)
        {
            errors[field] = [$"{field} must not be negative."];
            return null;
        }

        return value;
    }
}
