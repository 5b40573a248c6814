using Catalog.Api.Model;

namespace UnitTests.Catalog;

public class CatalogItemsQueryTests
{
    private static (CatalogItemsQuery? Query, Dictionary<string, string[]> Errors) Parse(
        string? pageIndex = null, string? pageSize = null, string? categoryId = null, string? brandId = null,
        string? q = null, string? minPrice = null, string? maxPrice = null, string? sort = null) =>
        CatalogItemsQuery.Parse(pageIndex, pageSize, categoryId, brandId, q, minPrice, maxPrice, sort);

    [Fact]
    public void No_parameters_give_the_first_page_of_ten_sorted_by_name()
    {
        var (query, errors) = Parse();

        Assert.Empty(errors);
        Assert.Equal(new CatalogItemsQuery(0, 10, null, null, null, null, null, CatalogSort.Name), query);
    }

    [Fact]
    public void Every_parameter_is_parsed()
    {
        var (query, errors) = Parse("2", "25", "3", "4", "  bike  ", "10.5", "99.99", "-price");

        Assert.Empty(errors);
        Assert.Equal(new CatalogItemsQuery(2, 25, 3, 4, "bike", 10.5m, 99.99m, CatalogSort.PriceDescending), query);
    }

    [Theory]
    [InlineData("pageIndex", "-1")]
    [InlineData("pageIndex", "x")]
    [InlineData("pageSize", "0")]
    [InlineData("pageSize", "101")]
    [InlineData("pageSize", "1.5")]
    [InlineData("categoryId", "0")]
    [InlineData("categoryId", "abc")]
    [InlineData("brandId", "-3")]
    [InlineData("minPrice", "cheap")]
    [InlineData("minPrice", "-1")]
    [InlineData("maxPrice", "1e400")]
    [InlineData("sort", "popularity")]
    public void A_bad_value_is_reported_against_its_own_field(string field, string value)
    {
        var (query, errors) = field switch
        {
            "pageIndex" => Parse(pageIndex: value),
            "pageSize" => Parse(pageSize: value),
            "categoryId" => Parse(categoryId: value),
            "brandId" => Parse(brandId: value),
            "minPrice" => Parse(minPrice: value),
            "maxPrice" => Parse(maxPrice: value),
            "sort" => Parse(sort: value),
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        Assert.Null(query);
        Assert.Equal([field], errors.Keys);
    }

    [Fact]
    public void Several_bad_values_are_all_reported()
    {
        var (_, errors) = Parse(pageSize: "0", sort: "x", minPrice: "5", maxPrice: "1");

        Assert.Equal(["maxPrice", "pageSize", "sort"], errors.Keys.Order());
    }

    [Fact]
    public void Text_longer_than_the_limit_is_refused()
    {
        var (_, errors) = Parse(q: new string('a', CatalogItemsQuery.MaxTextLength + 1));

        Assert.Contains("q", errors.Keys);
    }

    [Fact]
    public void A_page_beyond_any_possible_row_is_refused_rather_than_overflowing()
    {
        var (_, errors) = Parse(pageIndex: int.MaxValue.ToString(), pageSize: "100");

        Assert.Contains("pageIndex", errors.Keys);
    }

    [Fact]
    public void Equal_min_and_max_price_is_a_valid_range()
    {
        var (query, errors) = Parse(minPrice: "5", maxPrice: "5");

        Assert.Empty(errors);
        Assert.Equal(5m, query!.MinPrice);
    }
}
