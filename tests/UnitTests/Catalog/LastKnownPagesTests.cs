using Catalog.Api.Apis;
using Catalog.Api.Model;

namespace UnitTests.Catalog;

public class LastKnownPagesTests
{
    private static CatalogItemsQuery Query(string? pageIndex = null, string? q = null, string? minPrice = null, string? sort = null) =>
        CatalogItemsQuery.Parse(pageIndex, null, null, null, q, minPrice, null, sort).Query!;

    private static PaginatedItems<CatalogItemDto> Page(int index, int products) => new(index, 10, products,
        [.. Enumerable.Range(1, products).Select(id => new CatalogItemDto(id, $"Product {id}", "", 1m, 1, 1, 5))]);

    [Fact]
    public void A_page_is_found_by_any_query_string_that_means_the_same_query()
    {
        using var pages = new LastKnownPages();
        var page = Page(0, 3);
        pages.Remember(Query(q: "bike", minPrice: "20", sort: "-price"), page);

        // Other spacing of the text, another spelling of the sort and of the price: the same query.
        Assert.Same(page, pages.Find(Query(q: "  bike ", minPrice: "20.00", sort: "-PRICE")));
    }

    [Fact]
    public void Another_page_or_filter_is_not_served_the_kept_page()
    {
        using var pages = new LastKnownPages();
        pages.Remember(Query(q: "bike"), Page(0, 3));

        Assert.Null(pages.Find(Query(pageIndex: "1", q: "bike")));
        Assert.Null(pages.Find(Query(q: "helmet")));
        Assert.Null(pages.Find(Query()));
    }

    [Fact]
    public void A_later_read_of_the_same_query_replaces_the_kept_page()
    {
        using var pages = new LastKnownPages();
        pages.Remember(Query(), Page(0, 3));
        var newer = Page(0, 4);
        pages.Remember(Query(), newer);

        Assert.Same(newer, pages.Find(Query()));
    }
}
