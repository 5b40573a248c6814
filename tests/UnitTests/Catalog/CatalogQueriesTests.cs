using Catalog.Api.Model;

namespace UnitTests.Catalog;

public class CatalogQueriesTests
{
    private static readonly CatalogItem[] Items =
    [
        new() { Id = 1, Name = "Trail Backpack", Description = "35 litres", Price = 120m, CategoryId = 1, BrandId = 1 },
        new() { Id = 2, Name = "Road Helmet", Description = "Light and safe", Price = 80m, CategoryId = 2, BrandId = 1 },
        new() { Id = 3, Name = "Bike Lights", Description = "USB rechargeable", Price = 30m, CategoryId = 2, BrandId = 2 },
        new() { Id = 4, Name = "Bike Lights", Description = "Spare set", Price = 30m, CategoryId = 2, BrandId = 3 },
        new() { Id = 5, Name = "100% Wool Socks", Description = "Merino", Price = 15m, CategoryId = 3, BrandId = 2 },
    ];

    private static int[] Run(CatalogItemsQuery query) =>
        CatalogQueries.Order(CatalogQueries.Filter(Items.AsQueryable(), query), query.Sort).Select(i => i.Id).ToArray();

    private static CatalogItemsQuery Query(
        int? categoryId = null, int? brandId = null, string? text = null, decimal? min = null, decimal? max = null,
        CatalogSort sort = CatalogSort.Name) => new(0, 10, categoryId, brandId, text, min, max, sort);

    [Fact]
    public void Sorting_by_name_breaks_ties_by_id() =>
        Assert.Equal([5, 3, 4, 2, 1], Run(Query()));

    [Fact]
    public void Sorting_by_price_ascending_and_descending() =>
        Assert.Multiple(
            () => Assert.Equal([5, 3, 4, 2, 1], Run(Query(sort: CatalogSort.Price))),
            () => Assert.Equal([1, 2, 3, 4, 5], Run(Query(sort: CatalogSort.PriceDescending))));

    [Fact]
    public void Category_and_brand_filters_combine() =>
        Assert.Equal([3], Run(Query(categoryId: 2, brandId: 2)));

    [Fact]
    public void Text_matches_name_or_description_ignoring_case() =>
        Assert.Multiple(
            () => Assert.Equal([3, 4], Run(Query(text: "bike"))),
            () => Assert.Equal([5], Run(Query(text: "MERINO"))));

    [Fact]
    public void Text_with_a_percent_sign_is_matched_literally() =>
        Assert.Equal([5], Run(Query(text: "100%")));

    [Fact]
    public void Price_range_is_inclusive_at_both_ends() =>
        Assert.Equal([3, 4, 2], Run(Query(min: 30m, max: 80m, sort: CatalogSort.Price)));
}
