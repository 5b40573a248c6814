using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using TestSupport;

namespace Ordering.Tests;

/// <summary>Who sees which orders: a token is required, orders are private, the list is the caller's, paged.</summary>
[Collection(OrderingCollection.Name)]
public sealed class OrderAccessTests(OrderingFixture fixture)
{
    [Fact]
    public async Task Another_users_order_is_404_to_get_and_to_cancel()
    {
        var owner = OrderingFixture.NewUser();
        using var ownerClient = fixture.ClientFor(owner);
        using var stranger = fixture.ClientFor(OrderingFixture.NewUser());
        var orderId = await fixture.PlaceOrderAsync(ownerClient, owner);

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/orders/{orderId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/api/orders/{orderId}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ownerClient.GetAsync($"/api/orders/{orderId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ownerClient.GetAsync($"/api/orders/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task The_list_is_the_callers_own_orders_newest_first_in_pages()
    {
        var user = OrderingFixture.NewUser();
        using var client = fixture.ClientFor(user);
        var other = OrderingFixture.NewUser();
        using var otherClient = fixture.ClientFor(other);
        var oldest = await fixture.PlaceOrderAsync(client, user);
        await fixture.PlaceOrderAsync(otherClient, other);
        var middle = await fixture.PlaceOrderAsync(client, user);
        var newest = await fixture.PlaceOrderAsync(client, user);

        var first = (await client.GetFromJsonAsync<OrderPageView>("/api/orders?pageIndex=0&pageSize=2"))!;
        var second = (await client.GetFromJsonAsync<OrderPageView>("/api/orders?pageIndex=1&pageSize=2"))!;
        var beyond = (await client.GetFromJsonAsync<OrderPageView>("/api/orders?pageIndex=2&pageSize=2"))!;

        Assert.Equal((0, 2, 3L), (first.PageIndex, first.PageSize, first.Count));
        Assert.Equal([newest, middle], first.Data.Select(o => o.OrderId));
        Assert.Equal((1, 2, 3L), (second.PageIndex, second.PageSize, second.Count));
        Assert.Equal([oldest], second.Data.Select(o => o.OrderId));
        Assert.Equal(3L, beyond.Count);
        Assert.Empty(beyond.Data);
        var defaults = (await client.GetFromJsonAsync<OrderPageView>("/api/orders"))!;
        Assert.Equal((0, 10), (defaults.PageIndex, defaults.PageSize));
        Assert.Equal([newest, middle, oldest], defaults.Data.Select(o => o.OrderId));
    }

    [Theory]
    [InlineData("pageIndex=-1", "pageIndex")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    public async Task A_page_out_of_range_is_400_naming_the_parameter(string query, string parameter)
    {
        using var client = fixture.ClientFor(OrderingFixture.NewUser());

        var response = await client.GetAsync($"/api/orders?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"\"{parameter}\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Every_orders_route_is_401_without_a_valid_token()
    {
        var orderId = Guid.NewGuid();
        var foreignToken = AccessTokens.Mint(TestKeys.NewSettings(OrderingFixture.KeyId), "someone");
        var expiredToken = fixture.TokenFor("someone", expires: DateTime.UtcNow.AddMinutes(-5));

        foreach (var token in new string?[] { null, foreignToken, expiredToken })
        {
            foreach (var (method, path) in new[]
                     {
                         (HttpMethod.Post, "/api/orders"), (HttpMethod.Get, "/api/orders"),
                         (HttpMethod.Get, $"/api/orders/{orderId}"), (HttpMethod.Post, $"/api/orders/{orderId}/cancel"),
                     })
            {
                using var request = new HttpRequestMessage(method, path);
                if (token is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Anonymous.SendAsync(request)).StatusCode);
            }
        }
    }
}
