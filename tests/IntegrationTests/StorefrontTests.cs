using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using Deque.AxeCore.Commons;
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
                // Each catalog replica may serve its copy of the product for a few seconds more (docs/api.md): a shopper
                // who reloads sees the change.
                await Eventually.TrueAsync(async () =>
                {
                    await page.GotoAsync($"/products/{item.Id}");
                    return await page.Locator(".product .availability").TextContentAsync() == shown;
                }, $"the product page to show '{shown}'");
                var add = page.GetByRole(AriaRole.Button, new() { Name = "Add to basket" });
                await (onHand == 0 ? Assertions.Expect(add).ToBeDisabledAsync() : Assertions.Expect(add).ToBeEnabledAsync());
            });
        }
    }

    [Fact]
    public async Task A_shopper_registers_buys_with_the_approving_card_and_the_order_page_shows_it_confirmed_without_a_reload()
    {
        var product = await StockedProductAsync();
        await chromium.InPageAsync(Shop, nameof(A_shopper_registers_buys_with_the_approving_card_and_the_order_page_shows_it_confirmed_without_a_reload), async page =>
        {
            await RegisterAsync(page);
            await page.GetByRole(AriaRole.Link, new() { Name = "Catalog", Exact = true }).ClickAsync();
            await page.GetByLabel("Search").FillAsync(product.Name);
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
            await page.GetByRole(AriaRole.Link, new() { Name = product.Name }).ClickAsync();
            await UntilInStockAsync(page);
            await page.GetByRole(AriaRole.Button, new() { Name = "Add to basket" }).ClickAsync();

            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/basket$"));
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = product.Name })).ToBeVisibleAsync();
            await AssertNoGraveViolationAsync(page);
            await page.GetByRole(AriaRole.Button, new() { Name = "Checkout" }).ClickAsync();

            await FillAddressAsync(page);
            var payment = page.GetByRole(AriaRole.Radiogroup, new() { Name = "Payment method" });
            await Assertions.Expect(payment.GetByRole(AriaRole.Radio).First).ToBeCheckedAsync();
            await Assertions.Expect(payment.GetByRole(AriaRole.Radio).First).ToHaveAccessibleNameAsync(new Regex("approves"));
            await AssertNoGraveViolationAsync(page);
            await page.GetByRole(AriaRole.Button, new() { Name = "Place order" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/orders/[0-9a-f-]{36}$"));

            // From here the page is not loaded again: its status element follows the saga. A mark left in the page's
            // window would be gone after any reload or navigation.
            await page.EvaluateAsync("() => window.orderPageMark = 'not reloaded'");
            await Assertions.Expect(page.Locator("order-status .status")).ToHaveTextAsync("Confirmed", new() { Timeout = 60_000 });
            Assert.Equal("not reloaded", await page.EvaluateAsync<string?>("() => window.orderPageMark ?? null"));
            await AssertNoGraveViolationAsync(page);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumBrowser.ScreenshotPath("order-confirmed") }); // the README's picture

            await page.GetByRole(AriaRole.Link, new() { Name = "Orders", Exact = true }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "Confirmed", Exact = true })).ToBeVisibleAsync();
        });
    }

    [Fact]
    public async Task An_address_the_shopper_asked_to_remember_fills_the_next_checkout()
    {
        var product = await StockedProductAsync();
        await chromium.InPageAsync(Shop, nameof(An_address_the_shopper_asked_to_remember_fills_the_next_checkout), async page =>
        {
            await RegisterAsync(page);
            await AddToBasketAsync(page, product);
            await page.GetByRole(AriaRole.Button, new() { Name = "Checkout" }).ClickAsync();
            await Assertions.Expect(page.GetByLabel("Street")).ToHaveValueAsync(""); // a new shopper's profile has none
            await FillAddressAsync(page);
            await page.GetByLabel("Remember this address").CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Place order" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/orders/[0-9a-f-]{36}$"));

            await AddToBasketAsync(page, product);
            await page.GetByRole(AriaRole.Button, new() { Name = "Checkout" }).ClickAsync();

            await Assertions.Expect(page.GetByLabel("Street")).ToHaveValueAsync("1 Browser Lane");
            await Assertions.Expect(page.GetByLabel("City")).ToHaveValueAsync("Utrecht");
            await Assertions.Expect(page.GetByLabel("Postal code")).ToHaveValueAsync("3511 AA");
            await Assertions.Expect(page.GetByLabel("Country")).ToHaveValueAsync("NL");
            await Assertions.Expect(page.GetByLabel("Remember this address")).Not.ToBeVisibleAsync(); // it is remembered
        });
    }

    [Fact]
    public async Task A_submitted_form_shows_it_is_busy_and_cannot_be_sent_twice()
    {
        var product = await StockedProductAsync();
        await chromium.InPageAsync(Shop, nameof(A_submitted_form_shows_it_is_busy_and_cannot_be_sent_twice), async page =>
        {
            await RegisterAsync(page);
            await page.GotoAsync($"/products/{product.Id}");
            await UntilInStockAsync(page);
            // The answer to the form is held back until the button has been looked at: no race with a fast server.
            var answer = new TaskCompletionSource();
            var posts = 0;
            await page.RouteAsync($"**/products/{product.Id}", async route =>
            {
                if (route.Request.Method == "POST")
                {
                    Interlocked.Increment(ref posts);
                    await answer.Task;
                }

                await route.ContinueAsync();
            });

            // Locators wait for a navigation in flight, so the page itself reports the button's state when it turns busy.
            var busy = new TaskCompletionSource<bool>();
            await page.ExposeFunctionAsync("reportBusy", (bool disabled) => busy.TrySetResult(disabled));
            var add = page.GetByRole(AriaRole.Button, new() { Name = "Add to basket" });
            await add.EvaluateAsync("""
                button => new MutationObserver(() => {
                    if (button.getAttribute('aria-busy') === 'true') window.reportBusy(button.disabled);
                }).observe(button, { attributes: true })
                """);

            // The click returns once the navigation it starts has finished: not awaited until the answer is let through.
            var clicked = add.ClickAsync();
            bool disabledWhileBusy;
            try
            {
                disabledWhileBusy = await busy.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            finally
            {
                answer.TrySetResult();
                await clicked;
            }

            Assert.True(disabledWhileBusy, "the busy button can be pressed again");

            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/basket$"));
            await Assertions.Expect(page.GetByRole(AriaRole.Spinbutton, new() { Name = $"Quantity of {product.Name}" })).ToHaveValueAsync("1");
            Assert.Equal(1, posts);
        });
    }

    [Fact]
    public async Task The_declining_card_ends_cancelled_with_its_reason_in_plain_words()
    {
        var product = await StockedProductAsync();
        await chromium.InPageAsync(Shop, nameof(The_declining_card_ends_cancelled_with_its_reason_in_plain_words), async page =>
        {
            await RegisterAsync(page);
            await AddToBasketAsync(page, product);
            await page.GetByRole(AriaRole.Button, new() { Name = "Checkout" }).ClickAsync();
            await FillAddressAsync(page);
            await page.GetByRole(AriaRole.Radio, new() { Name = "Visa 0002 (declines)" }).CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Place order" }).ClickAsync();

            await Assertions.Expect(page.Locator("order-status .status")).ToHaveTextAsync("Cancelled", new() { Timeout = 60_000 });
            await Assertions.Expect(page.Locator("order-status .explanation")).ToContainTextAsync("payment was declined");
        });
    }

    [Fact]
    public Task Signing_in_with_a_wrong_password_says_so_on_the_form() =>
        chromium.InPageAsync(Shop, nameof(Signing_in_with_a_wrong_password_says_so_on_the_form), async page =>
        {
            var email = await RegisterAsync(page);
            await page.GetByRole(AriaRole.Link, new() { Name = "Sign out" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in" })).ToBeVisibleAsync();

            await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();
            await page.GetByLabel("Email").FillAsync(email);
            await page.GetByLabel("Password").FillAsync("Not-the-password-1!");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("email or password is not right");
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in" })).ToBeVisibleAsync(); // still signed out
            await Assertions.Expect(page.GetByLabel("Email")).ToHaveValueAsync(email);
        });

    [Fact]
    public Task Register_shows_each_refusal_beside_its_field() =>
        chromium.InPageAsync(Shop, nameof(Register_shows_each_refusal_beside_its_field), async page =>
        {
            await page.GotoAsync("/register");
            await page.GetByLabel("Name").FillAsync("Weak Password");
            await page.GetByLabel("Email").FillAsync($"weak-{Guid.NewGuid():N}@example.com");
            await page.GetByLabel("Password").FillAsync("short");
            await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();

            var password = page.GetByLabel("Password");
            await Assertions.Expect(password).ToHaveAttributeAsync("aria-invalid", "true");
            await Assertions.Expect(password).ToHaveAccessibleDescriptionAsync(new Regex("(?i)characters"));
            await Assertions.Expect(page.GetByLabel("Email")).Not.ToHaveAttributeAsync("aria-invalid", "true");
            await AssertNoGraveViolationAsync(page);
        });

    [Fact]
    public Task The_basket_and_orders_ask_a_visitor_to_sign_in_first() =>
        chromium.InPageAsync(Shop, nameof(The_basket_and_orders_ask_a_visitor_to_sign_in_first), async page =>
        {
            await page.GotoAsync("/basket");

            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin\\?ReturnUrl=%2Fbasket", RegexOptions.IgnoreCase));
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sign in");
        });

    [Fact]
    public Task An_administrator_adds_a_product_sets_its_stock_and_the_product_page_shows_it() =>
        chromium.InPageAsync(Shop, nameof(An_administrator_adds_a_product_sets_its_stock_and_the_product_page_shows_it), async page =>
        {
            await SignInAsAdministratorAsync(page);
            await page.GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
            await AssertNoGraveViolationAsync(page);

            await page.GetByRole(AriaRole.Link, new() { Name = "New product" }).ClickAsync();
            var name = $"Admin lamp {Guid.NewGuid():N}"[..24];
            await page.GetByLabel("Name").FillAsync(name);
            await page.GetByLabel("Description").FillAsync("A lamp an administrator added.");
            await page.GetByLabel("Price").FillAsync("2000000"); // the browser takes it, the API (at most 1,000,000) does not
            await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
            // The API's refusal, beside the field it names.
            await Assertions.Expect(page.GetByLabel("Price")).ToHaveAttributeAsync("aria-invalid", "true");
            await AssertNoGraveViolationAsync(page);
            await page.GetByLabel("Price").FillAsync("42.50");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

            // Saved: the product's stock page, where a new product has none.
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"Stock of {name}");
            await AssertNoGraveViolationAsync(page);
            await page.GetByLabel("On hand").FillAsync("4");
            await page.GetByRole(AriaRole.Button, new() { Name = "Set stock" }).ClickAsync();
            await Assertions.Expect(page.GetByLabel("On hand")).ToHaveValueAsync("4");
            var id = Regex.Match(page.Url, "/admin/products/(\\d+)/stock").Groups[1].Value;

            await Eventually.TrueAsync(async () =>
            {
                await page.GotoAsync($"/products/{id}");
                return await page.Locator(".product .availability").TextContentAsync() == "Only 4 left";
            }, "the product page to show the stock the administrator set");
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(name);
        });

    [Fact]
    public Task An_administrator_replays_a_dead_letter_and_the_catalog_then_shows_what_it_carried() =>
        chromium.InPageAsync(Shop, nameof(An_administrator_replays_a_dead_letter_and_the_catalog_then_shows_what_it_carried), async page =>
        {
            using var admin = platform.AdminClient();
            var product = await admin.NewProductAsync("Dead letter");
            await DeadLetterAdminTests.PlantStockChangedLetterAsync(platform, product.Id, available: 3);

            await SignInAsAdministratorAsync(page);
            await page.GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
            await page.GetByRole(AriaRole.Link, new() { Name = "Dead letters" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "catalog", Level = 2 })).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Dead letters of inventory.stock-changed in catalog" })
                .GetByText("ArgumentException: planted by a test").First).ToBeVisibleAsync();
            await AssertNoGraveViolationAsync(page);

            await page.GetByRole(AriaRole.Button, new() { Name = "Replay inventory.stock-changed in catalog" }).ClickAsync();

            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync(new Regex(@"Replayed inventory\.stock-changed for catalog: [1-9]\d* delivered"));
            await Eventually.TrueAsync(async () =>
            {
                await page.GotoAsync($"/products/{product.Id}");
                return await page.Locator(".product .availability").TextContentAsync() == "Only 3 left";
            }, "the product page to show the figure the replayed letter carried");
        });

    [Fact]
    public Task A_shopper_cannot_open_the_administrators_pages() =>
        chromium.InPageAsync(Shop, nameof(A_shopper_cannot_open_the_administrators_pages), async page =>
        {
            await RegisterAsync(page);
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Admin" })).Not.ToBeVisibleAsync();

            await page.GotoAsync("/admin/products/new");

            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New product" })).Not.ToBeVisibleAsync();
            await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/admin/"));
        });

    [Theory]
    [InlineData("/")]
    [InlineData("/catalog")]
    [InlineData("/products/1")]
    [InlineData("/signin")]
    public async Task Pages_fit_a_phone_screen_and_the_skip_link_leads_to_the_content(string path)
    {
        await using var context = await chromium.Browser.NewContextAsync(new() { BaseURL = Shop, ViewportSize = new() { Width = 375, Height = 740 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);

        // Nothing wider than the screen: no sideways scrolling.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            $"{path} is wider than a 375 px screen");
        // The first Tab reaches the skip link, which takes keyboard users past the navigation.
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("main")).ToBeFocusedAsync();
    }

    private static async Task AddToBasketAsync(IPage page, CatalogItem product)
    {
        await page.GotoAsync($"/products/{product.Id}");
        await UntilInStockAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add to basket" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/basket$"));
    }

    private static async Task SignInAsAdministratorAsync(IPage page)
    {
        await page.GotoAsync("/signin");
        await page.GetByLabel("Email").FillAsync(PlatformHost.AdminEmail);
        await page.GetByLabel("Password").FillAsync(PlatformHost.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>Registers a new shopper through the form (signed in afterwards); returns the email.</summary>
    private static async Task<string> RegisterAsync(IPage page)
    {
        var email = $"shopper-{Guid.NewGuid():N}@example.com";
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Register" }).ClickAsync();
        await page.GetByLabel("Name").FillAsync("Storefront Shopper");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync("Storefront-Pass-1!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign out" })).ToBeVisibleAsync();
        return email;
    }

    /// <summary>A product just stocked may still show its old availability on a catalog replica for a few seconds: reload until it does not.</summary>
    private static Task UntilInStockAsync(IPage page) => Eventually.TrueAsync(async () =>
    {
        if (await page.GetByRole(AriaRole.Button, new() { Name = "Add to basket" }).IsEnabledAsync())
        {
            return true;
        }

        await page.ReloadAsync();
        return false;
    }, "the product page to show the product in stock");

    private static async Task FillAddressAsync(IPage page)
    {
        await page.GetByLabel("Street").FillAsync("1 Browser Lane");
        await page.GetByLabel("City").FillAsync("Utrecht");
        await page.GetByLabel("Postal code").FillAsync("3511 AA");
        await page.GetByLabel("Country").FillAsync("NL");
    }

    /// <summary>A product of the test's own, in stock, so that no other test's stock changes under it.</summary>
    private async Task<CatalogItem> StockedProductAsync()
    {
        using var admin = platform.AdminClient();
        var created = await admin.PostAsJsonAsync("/api/catalog/items",
            new { name = $"Storefront kettle {Guid.NewGuid():N}"[..30], description = "A kettle for the storefront tests.", price = 24.5m, categoryId = 1, brandId = 1 });
        var item = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CatalogItem>())!;
        (await admin.PutAsJsonAsync($"/api/inventory/{item.Id}", new { onHand = 20 })).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(async () => (await platform.Gateway.GetFromJsonAsync<CatalogItem>($"/api/catalog/items/{item.Id}"))!.AvailableStock == 20,
            "the catalog to show the new product in stock");
        return item;
    }

    private static async Task AssertNoGraveViolationAsync(IPage page)
    {
        // Axe's legacy mode runs in the page itself; the default opens a blank page to gather frames' results,
        // which took 1.6-2.8 s per run here against 0.28-0.42 s, with the same violations found on a page given a
        // nameless button and an image without alt. The storefront has no frames, which is all legacy mode leaves out.
#pragma warning disable CS0618 // obsolete, to be removed by Deque some day: then back to RunAxe and its cost
        var result = await page.RunAxeLegacy(options: new AxeRunOptions { ResultTypes = [ResultType.Violations] });
#pragma warning restore CS0618
        var grave = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(grave.Count == 0, $"{page.Url}: " + string.Join(Environment.NewLine, grave.Select(v =>
            $"{v.Impact} {v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Target.ToString()))})")));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/catalog")]
    [InlineData("/catalog?min=50&max=10")]
    [InlineData("/products/1")]
    [InlineData("/products/987654")]
    [InlineData("/signin")]
    [InlineData("/register")]
    public Task Axe_finds_no_serious_or_critical_violation(string path) =>
        chromium.InPageAsync(Shop, $"axe{Regex.Replace(path, "[^a-z0-9]+", "-")}", async page =>
        {
            await page.GotoAsync(path);
            await AssertNoGraveViolationAsync(page);
        });

    [Fact]
    public Task The_accessibility_check_reports_a_nameless_button_and_an_image_without_text() =>
        chromium.InPageAsync(Shop, "axe-planted", async page =>
        {
            await page.GotoAsync("/signin");
            await page.EvaluateAsync("""
                () => {
                    const main = document.querySelector('main');
                    main.appendChild(document.createElement('button'));
                    const image = document.createElement('img');
                    image.src = '/planted.png';
                    main.appendChild(image);
                }
                """);

            // What every page above is checked with finds what was planted: the check itself works.
            var failure = await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => AssertNoGraveViolationAsync(page));
            Assert.Contains("button-name", failure.Message);
            Assert.Contains("image-alt", failure.Message);
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
