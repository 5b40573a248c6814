using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// The storefront in a real browser (Debian's Chromium), on the platform as a shopper reaches it: the gateway's
/// root. Elements are found by their accessible names, the contract in docs/api.md.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class StorefrontTests(PlatformFixture platform, ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    private string Shop => platform.App.GetEndpoint("gateway", "http").ToString().TrimEnd('/');

    [Fact]
    public Task A_shopper_browses_the_catalog_searches_and_opens_a_product() =>
        chromium.InPageAsync(Shop, nameof(A_shopper_browses_the_catalog_searches_and_opens_a_product), async page =>
        {
            await page.GotoAsync("/");
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Aspire Outfitters");

            await page.GetByRole(AriaRole.Link, new() { Name = "Catalog", Exact = true }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Catalog", Level = 1 })).ToBeVisibleAsync();

            await page.GetByLabel("Search").FillAsync("Ultralight Tent");
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
            // The search is in the address, so the result page can be shared and reloaded.
            await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"[?&]q=Ultralight(\+|%20)Tent"));
            var product = page.GetByRole(AriaRole.Article).GetByRole(AriaRole.Link).First;
            var name = await product.TextContentAsync();
            Assert.Contains("Ultralight Tent", name);

            await product.ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(name!);
            await Assertions.Expect(page.Locator(".product .price")).ToHaveTextAsync(new Regex(@"€\d"));
            await Assertions.Expect(page.Locator(".product .availability")).ToHaveTextAsync(new Regex("^(In stock|Only \\d+ left|Out of stock)$"));
            await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = name })).ToBeVisibleAsync();
        });

    [Fact]
    public Task Filters_sorting_and_paging_are_kept_in_the_address() =>
        chromium.InPageAsync(Shop, nameof(Filters_sorting_and_paging_are_kept_in_the_address), async page =>
        {
            await page.GotoAsync("/catalog?sort=-price");
            var first = await Prices(page);
            Assert.Equal(first.OrderDescending(), first);

            await page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("[?&]page=2"));
            await Assertions.Expect(page.GetByText(new Regex("^Page 2 of \\d+$"))).ToBeVisibleAsync();
            Assert.True((await Prices(page)).All(p => p <= first.Min()), "the second page continues the first, highest prices first");

            // A filter applied from there keeps the sort order (the form shows what the address asks for).
            await page.GetByLabel("Category").SelectOptionAsync(new SelectOptionValue { Label = "Outdoor Gear" });
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("[?&]category=\\d+"));
            await Assertions.Expect(page.GetByLabel("Sort by")).ToHaveValueAsync("-price");
            await Assertions.Expect(page.GetByLabel("Category")).Not.ToHaveValueAsync("");
            var filtered = await Prices(page);
            Assert.Equal(filtered.OrderDescending(), filtered);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumBrowser.ScreenshotPath("catalog") }); // the README's picture
        });

    [Fact]
    public Task A_price_range_the_api_refuses_is_explained_beside_its_field() =>
        chromium.InPageAsync(Shop, nameof(A_price_range_the_api_refuses_is_explained_beside_its_field), async page =>
        {
            await page.GotoAsync("/catalog?min=50&max=10");

            var maximum = page.GetByLabel("Maximum price");
            await Assertions.Expect(maximum).ToHaveAccessibleDescriptionAsync(new Regex("greater than or equal to minPrice"));
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        });

    [Fact]
    public Task An_unknown_product_is_a_not_found_page() =>
        chromium.InPageAsync(Shop, nameof(An_unknown_product_is_a_not_found_page), async page =>
        {
            var response = await page.GotoAsync("/products/987654");

            Assert.Equal(404, response!.Status);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Not found");
        });

    [Fact]
    public async Task The_product_page_tells_how_many_are_left_and_when_none_is()
    {
        // A product of its own, so that no other test's stock changes under it.
        using var admin = platform.AdminClient();
        var created = await admin.PostAsJsonAsync("/api/catalog/items",
            new { name = $"Storefront lantern {Guid.NewGuid():N}"[..30], description = "A lantern for the storefront test.", price = 19.5m, categoryId = 1, brandId = 1 });
        var item = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CatalogItem>())!;

        foreach (var (onHand, shown) in new[] { (3, "Only 3 left"), (0, "Out of stock") })
        {
            (await admin.PutAsJsonAsync($"/api/inventory/{item.Id}", new { onHand })).EnsureSuccessStatusCode();
            // Catalog learns the new availability from Inventory's event.
            await Eventually.TrueAsync(async () => (await platform.Gateway.GetFromJsonAsync<CatalogItem>($"/api/catalog/items/{item.Id}"))!.AvailableStock == onHand,
                $"the catalog to show {onHand} available");

            await chromium.InPageAsync(Shop, $"{nameof(The_product_page_tells_how_many_are_left_and_when_none_is)}-{onHand}", async page =>
            {
                await page.GotoAsync($"/products/{item.Id}");
                await Assertions.Expect(page.Locator(".product .availability")).ToHaveTextAsync(shown);
            });
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/catalog")]
    [InlineData("/catalog?min=50&max=10")]
    [InlineData("/products/1")]
    [InlineData("/products/987654")]
    public Task Axe_finds_no_serious_or_critical_violation(string path) =>
        chromium.InPageAsync(Shop, $"axe{Regex.Replace(path, "[^a-z0-9]+", "-")}", async page =>
        {
            await page.GotoAsync(path);
            var results = await page.RunAxe();

            var grave = results.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
            Assert.True(grave.Count == 0, string.Join(Environment.NewLine, grave.Select(v =>
                $"{v.Impact} {v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Target.ToString()))})")));
        });

    private static async Task<decimal[]> Prices(IPage page) =>
        (await page.Locator(".product-card .price").AllTextContentsAsync())
            .Select(text => decimal.Parse(PriceNumber().Match(text).Value, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();

    [GeneratedRegex(@"[\d,]+\.\d{2}")]
    private static partial Regex PriceNumber();

    private sealed record CatalogItem(int Id, string Name, int AvailableStock);

    private sealed record CatalogPage(CatalogItem[] Data);
}
