using System.Net;
using System.Net.Http.Json;
using TestSupport;

namespace Gateway.Tests;

/// <summary>
/// The gateway as a shared cache on the catalog's read route: it keeps an answer only when the service marks it
/// <c>public</c> with a lifetime, serves it to anonymous and signed-in callers alike after the rate limits, and drops
/// it when a write to the same API passes through.
/// </summary>
public sealed class ResponseCacheTests : IAsyncLifetime
{
    private const string Item = "/api/catalog/items/7";
    private GatewayTestbed _bed = null!;

    public async Task InitializeAsync() => _bed = await GatewayTestbed.StartAsync();

    public Task DisposeAsync() => _bed.DisposeAsync().AsTask();

    private void FailCatalogPostsWith(HttpStatusCode status)
    {
        foreach (var name in GatewayTestbed.CatalogDestinations)
        {
            _bed[name].FailPostsWith = (int)status;
        }
    }

    [Fact]
    public async Task A_read_the_service_marks_public_is_answered_by_the_gateway_for_anonymous_and_signed_in_callers()
    {
        _bed.CatalogAnswers("public, max-age=300");

        using var first = await _bed.GetAsync(Item);
        using var anonymous = await _bed.GetAsync(Item);
        using var signedIn = await _bed.GetAsync(Item, _bed.Token("user-1"));

        Assert.All(new[] { first, anonymous, signedIn }, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(1, _bed.CatalogReached("GET", Item));
        Assert.Null(first.Headers.Age);
        Assert.NotNull(anonymous.Headers.Age);
        Assert.NotNull(signedIn.Headers.Age);
        var body = await first.Content.ReadAsStringAsync();
        Assert.Equal(body, await anonymous.Content.ReadAsStringAsync());
        Assert.Equal(body, await signedIn.Content.ReadAsStringAsync());
        // Each answer still carries its own request's trace, not the stored one's.
        Assert.NotEqual(first.Headers.GetValues("X-Trace-Id").Single(), signedIn.Headers.GetValues("X-Trace-Id").Single());

        // Another query is another answer.
        using var page = await _bed.GetAsync("/api/catalog/items?pageIndex=1");
        using var otherPage = await _bed.GetAsync("/api/catalog/items?pageIndex=2");
        Assert.Equal(2, _bed.CatalogReached("GET", "/api/catalog/items"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("private, max-age=300")]
    [InlineData("public, no-store, max-age=300")]
    [InlineData("public")]
    [InlineData("public, max-age=0")]
    public async Task A_read_the_service_does_not_mark_public_with_a_lifetime_always_reaches_the_service(string? cacheControl)
    {
        _bed.CatalogAnswers(cacheControl);

        for (var i = 0; i < 3; i++)
        {
            using var response = await _bed.GetAsync(Item, _bed.Token("user-1"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Null(response.Headers.Age);
        }

        Assert.Equal(3, _bed.CatalogReached("GET", Item));
    }

    [Fact]
    public async Task Only_successful_answers_are_kept()
    {
        _bed.CatalogAnswers("public, max-age=300");
        foreach (var name in GatewayTestbed.CatalogDestinations)
        {
            _bed[name].FailGetsWith = (int)HttpStatusCode.NotFound;
        }

        for (var i = 0; i < 2; i++)
        {
            using var response = await _bed.GetAsync(Item);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        Assert.Equal(2, _bed.CatalogReached("GET", Item));
    }

    [Fact]
    public async Task A_kept_answer_expires_with_its_max_age()
    {
        _bed.CatalogAnswers("public, max-age=1");
        (await _bed.GetAsync(Item)).Dispose();

        await Eventually.TrueAsync(async () =>
        {
            using var response = await _bed.GetAsync(Item);
            return _bed.CatalogReached("GET", Item) >= 2;
        }, "the gateway to ask the catalog again once the answer's max-age passed", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_write_to_the_catalog_through_the_gateway_drops_every_kept_catalog_answer()
    {
        _bed.CatalogAnswers("public, max-age=300");
        var admin = _bed.Token("admin-1", "admin");
        (await _bed.GetAsync(Item)).Dispose();
        (await _bed.GetAsync("/api/catalog/items")).Dispose();
        (await _bed.GetAsync("/api/catalog/items")).Dispose();
        Assert.Equal(1, _bed.CatalogReached("GET", "/api/catalog/items"));

        // A refused write changes nothing and drops nothing.
        using var invalid = await _bed.SendAsync(HttpMethod.Put, Item, _bed.Token("user-1"), JsonContent.Create(new { name = "x" }));
        Assert.Equal(HttpStatusCode.Forbidden, invalid.StatusCode);
        (await _bed.GetAsync(Item)).Dispose();
        Assert.Equal(1, _bed.CatalogReached("GET", Item));

        using var update = await _bed.SendAsync(HttpMethod.Put, Item, admin, JsonContent.Create(new { name = "renamed" }));
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);

        using var item = await _bed.GetAsync(Item);
        using var list = await _bed.GetAsync("/api/catalog/items");
        Assert.Null(item.Headers.Age);
        Assert.Null(list.Headers.Age);
        Assert.Equal(2, _bed.CatalogReached("GET", Item));
        Assert.Equal(2, _bed.CatalogReached("GET", "/api/catalog/items"));

        // A write the catalog refuses (4xx) changed nothing and drops nothing; one that failed on its side (5xx) may have
        // changed something, so it drops what is kept.
        (await _bed.GetAsync(Item)).Dispose();
        Assert.Equal(2, _bed.CatalogReached("GET", Item));
        FailCatalogPostsWith(HttpStatusCode.BadRequest);
        using var rejected = await _bed.SendAsync(HttpMethod.Post, "/api/catalog/items", admin, JsonContent.Create(new { name = "" }));
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        (await _bed.GetAsync(Item)).Dispose();
        Assert.Equal(2, _bed.CatalogReached("GET", Item));
        FailCatalogPostsWith(HttpStatusCode.InternalServerError);
        using var failed = await _bed.SendAsync(HttpMethod.Post, "/api/catalog/items", admin, JsonContent.Create(new { name = "x" }));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        (await _bed.GetAsync(Item)).Dispose();
        Assert.Equal(3, _bed.CatalogReached("GET", Item));

        // Other APIs' writes leave the catalog's answers alone.
        (await _bed.SendAsync(HttpMethod.Post, "/api/basket/items", _bed.Token("user-1"), JsonContent.Create(new { productId = 7 }))).Dispose();
        (await _bed.GetAsync(Item)).Dispose();
        Assert.Equal(3, _bed.CatalogReached("GET", Item));
    }
}
