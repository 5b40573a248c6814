using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// The write routes of Catalog, Basket, Ordering and Inventory through the gateway: every text field
/// sent with a NUL, a lone surrogate or one character too many answers 400 ProblemDetails naming the
/// field, and nothing is written. Identity's routes are covered the same way by Identity.Tests.
/// Routes whose bodies hold only numbers (basket, inventory) get the bad text where a number belongs.
/// POST /api/orders/{id}/cancel has no body and only a GUID route value, so it has no text to spoil.
/// </summary>
[Collection(PlatformCollection.Name)]
public class UnstorableTextTests(PlatformFixture platform)
{
    private const string CatalogBody = """{"name":@name@,"description":@description@,"price":24.5,"categoryId":1,"brandId":1}""";

    private const string OrderBody = """
        {"shippingAddress":{"street":@shippingAddress.street@,"city":@shippingAddress.city@,"postalCode":@shippingAddress.postalCode@,"country":@shippingAddress.country@},"paymentToken":@paymentToken@}
        """;

    private static readonly Dictionary<string, int> CatalogFields = new() { ["name"] = 200, ["description"] = 4000 };

    private static readonly Dictionary<string, int> OrderFields = new()
    {
        ["shippingAddress.street"] = 200,
        ["shippingAddress.city"] = 100,
        ["shippingAddress.postalCode"] = 20,
        ["shippingAddress.country"] = 2,
        ["paymentToken"] = 200,
    };

    private static readonly Dictionary<string, string> ValidOrder = new()
    {
        ["shippingAddress.street"] = "1 Main St",
        ["shippingAddress.city"] = "Utrecht",
        ["shippingAddress.postalCode"] = "3511",
        ["shippingAddress.country"] = "NL",
        ["paymentToken"] = "tok_ok",
    };

    public static TheoryData<string, SpoiledText.Kind> Fields(string route)
    {
        var data = new TheoryData<string, SpoiledText.Kind>();
        foreach (var field in (route == "catalog" ? CatalogFields : OrderFields).Keys)
        {
            foreach (var kind in SpoiledText.Kinds)
            {
                data.Add(field, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Fields), "catalog")]
    public async Task Creating_a_product_with_spoiled_text_is_400_naming_the_field(string field, SpoiledText.Kind kind)
    {
        using var admin = platform.AdminClient();
        var before = await ProductCountAsync();

        var response = await admin.PostAsync("/api/catalog/items",
            SpoiledText.Body(CatalogBody, ValidProduct($"Spoiled {Guid.NewGuid():N}"), field, SpoiledText.Json(kind, CatalogFields[field])));

        await AssertNamesAsync(response, field);
        Assert.Equal(before, await ProductCountAsync());
    }

    [Theory]
    [MemberData(nameof(Fields), "catalog")]
    public async Task Updating_a_product_with_spoiled_text_is_400_naming_the_field(string field, SpoiledText.Kind kind)
    {
        using var admin = platform.AdminClient();
        var name = $"Spoiled {Guid.NewGuid():N}";
        var created = await admin.PostAsync("/api/catalog/items", SpoiledText.Body(CatalogBody, ValidProduct(name), "name", JsonSerializer.Serialize(name)));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var before = await ProductJsonAsync(name);

        var response = await admin.PutAsync($"/api/catalog/items/{id}",
            SpoiledText.Body(CatalogBody, ValidProduct($"Renamed {Guid.NewGuid():N}"), field, SpoiledText.Json(kind, CatalogFields[field])));

        await AssertNamesAsync(response, field);
        Assert.Equal(before, await ProductJsonAsync(name));
    }

    [Theory]
    [InlineData("a%00b")]
    [InlineData("%00")]
    public async Task A_catalog_search_holding_nul_is_400_naming_q(string q)
    {
        await AssertNamesAsync(await platform.Gateway.GetAsync($"/api/catalog/items?q={q}"), "q");
    }

    [Theory]
    [MemberData(nameof(Fields), "orders")]
    public async Task A_checkout_with_spoiled_text_is_400_naming_the_field(string field, SpoiledText.Kind kind)
    {
        var token = await ShopperWithBasketAsync();

        var response = await SendAsync(HttpMethod.Post, "/api/orders", token,
            SpoiledText.Body(OrderBody, ValidOrder, field, SpoiledText.Json(kind, OrderFields[field])), Guid.NewGuid().ToString());

        await AssertNamesAsync(response, field);
        Assert.Equal(0, await OrderCountAsync(token));
    }

    [Theory]
    [InlineData(101, 'k')]          // one more than the stored key's 100 characters
    [InlineData(10, '\u0001')]      // a control character
    [InlineData(10, '\u007f')]
    public async Task A_spoiled_idempotency_key_is_400_naming_the_header(int length, char filler)
    {
        var token = await ShopperWithBasketAsync();
        var key = "k" + new string(filler, length - 1);

        var response = await SendAsync(HttpMethod.Post, "/api/orders", token,
            SpoiledText.Body(OrderBody, ValidOrder, "paymentToken", "\"tok_ok\""), key);

        await AssertNamesAsync(response, "Idempotency-Key");
        Assert.Equal(0, await OrderCountAsync(token));
    }

    [Theory]
    [InlineData(SpoiledText.Kind.Nul)]
    [InlineData(SpoiledText.Kind.LoneSurrogate)]
    public async Task Spoiled_text_for_a_basket_quantity_is_400_naming_it(SpoiledText.Kind kind)
    {
        var token = Tokens.For($"user-{Guid.NewGuid():N}");

        var response = await SendAsync(HttpMethod.Put, "/api/basket/items/1", token,
            SpoiledText.Body("""{"quantity":@quantity@}""", new Dictionary<string, string>(), "quantity", SpoiledText.Json(kind, 0)));

        await AssertNamesAsync(response, "quantity");
        var basket = await SendAsync(HttpMethod.Get, "/api/basket", token);
        Assert.Equal(0, (await basket.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData(SpoiledText.Kind.Nul)]
    [InlineData(SpoiledText.Kind.LoneSurrogate)]
    public async Task Spoiled_text_for_a_stock_level_is_400_naming_it(SpoiledText.Kind kind)
    {
        using var admin = platform.AdminClient();
        var productId = Random.Shared.Next(1_000_000, int.MaxValue);

        var response = await admin.PutAsync($"/api/inventory/{productId}",
            SpoiledText.Body("""{"onHand":@onHand@}""", new Dictionary<string, string>(), "onHand", SpoiledText.Json(kind, 0)));

        await AssertNamesAsync(response, "onHand");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/inventory/{productId}")).StatusCode);
    }

    private static Dictionary<string, string> ValidProduct(string name) => new() { ["name"] = name, ["description"] = "200 lm" };

    private static async Task AssertNamesAsync(HttpResponseMessage response, string field)
    {
        var (status, mediaType, fields) = await SpoiledText.ReadProblemAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.Contains(field, fields);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, HttpContent? content = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content }.WithToken(token);
        if (idempotencyKey is not null)
        {
            // Unvalidated: the point is to send what a careless client could.
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return await platform.Gateway.SendAsync(request);
    }

    /// <summary>A new shopper with a product in the basket, so that an accepted checkout would write an order.</summary>
    private async Task<string> ShopperWithBasketAsync()
    {
        var token = Tokens.For($"user-{Guid.NewGuid():N}");
        var put = await SendAsync(HttpMethod.Put, "/api/basket/items/1", token, JsonContent.Create(new { quantity = 1 }));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return token;
    }

    private async Task<long> OrderCountAsync(string token)
    {
        var response = await SendAsync(HttpMethod.Get, "/api/orders", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt64();
    }

    private async Task<long> ProductCountAsync() =>
        (await platform.Gateway.GetFromJsonAsync<JsonElement>("/api/catalog/items?pageSize=1")).GetProperty("count").GetInt64();

    /// <summary>The product found by searching its name: a list read, which goes to the database rather than the item cache.</summary>
    private async Task<string> ProductJsonAsync(string name) =>
        (await platform.Gateway.GetFromJsonAsync<JsonElement>($"/api/catalog/items?q={Uri.EscapeDataString(name)}")).GetProperty("data").GetRawText();
}
