using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using TestSupport;

namespace OrderWorkflow.Tests;

/// <summary>
/// The internal routes of Payment, Inventory and the workflow, on the real apps: anonymous callers get
/// 401, user tokens (a shopper's, an administrator's) 403, a service token for another service 401, and
/// only the allowed caller's service token for this service gets through. The saga itself (every other
/// test) proves the workflow's delegating handler adds the right tokens.
/// </summary>
public sealed class InternalRouteAuthorizationTests(CheckoutFixture checkout) : IClassFixture<CheckoutFixture>
{
    public static TheoryData<string> InternalRoutes => new()
    {
        "payment POST /api/payments/authorize",
        "payment POST /api/payments/{order}/capture",
        "payment POST /api/payments/{order}/void",
        "payment POST /api/payments/{order}/refund",
        "inventory POST /api/inventory/reservations",
        "inventory POST /api/inventory/reservations/{order}/commit",
        "inventory POST /api/inventory/reservations/{order}/release",
        "inventory POST /api/inventory/reservations/{order}/return",
    };

    [Theory]
    [MemberData(nameof(InternalRoutes))]
    public async Task An_internal_route_refuses_anonymous_callers_with_401(string route)
    {
        using var response = await SendAsync(route, token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(InternalRoutes))]
    public async Task An_internal_route_refuses_a_shoppers_and_an_administrators_token_with_403(string route)
    {
        using var shopper = await SendAsync(route, AccessTokens.Mint(checkout.Jwt, "shopper-1"));
        using var admin = await SendAsync(route, AccessTokens.Mint(checkout.Jwt, "admin-1", "admin"));

        Assert.Equal(HttpStatusCode.Forbidden, shopper.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
    }

    [Theory]
    [MemberData(nameof(InternalRoutes))]
    public async Task An_internal_route_refuses_another_caller_403_and_a_token_for_another_service_401(string route)
    {
        var target = route.Split(' ')[0];
        var otherTarget = target == "payment" ? "inventory" : "payment";

        using var wrongCaller = await SendAsync(route, AccessTokens.MintService(checkout.Jwt, "ordering", target));
        using var wrongAudience = await SendAsync(route, AccessTokens.MintService(checkout.Jwt, "orderworkflow", otherTarget));

        Assert.Equal(HttpStatusCode.Forbidden, wrongCaller.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAudience.StatusCode);
    }

    [Theory]
    [MemberData(nameof(InternalRoutes))]
    public async Task An_internal_route_admits_the_workflows_service_token_for_it(string route)
    {
        var target = route.Split(' ')[0];

        using var response = await SendAsync(route, AccessTokens.MintService(checkout.Jwt, "orderworkflow", target));

        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_token_signed_HS256_with_a_shared_secret_is_refused()
    {
        var forged = AccessTokens.MintHs256(checkout.Jwt, new string('s', 48), "admin-1", "admin");

        using var payment = await SendAsync("payment POST /api/payments/{order}/refund", forged);
        using var stock = await SendAsync("inventory GET /api/inventory/1", forged);

        Assert.Equal(HttpStatusCode.Unauthorized, payment.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, stock.StatusCode);
    }

    [Fact]
    public async Task Stock_levels_stay_admin_only_a_service_token_gets_403()
    {
        using var service = await SendAsync("inventory GET /api/inventory/1", AccessTokens.MintService(checkout.Jwt, "orderworkflow", "inventory"));
        using var admin = await SendAsync("inventory GET /api/inventory/1", AccessTokens.Mint(checkout.Jwt, "admin-1", "admin"));

        Assert.Equal(HttpStatusCode.Forbidden, service.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, admin.StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, admin.StatusCode);
    }

    [Theory]
    [InlineData("anonymous", HttpStatusCode.Unauthorized)]
    [InlineData("wrong-dapr-token", HttpStatusCode.Unauthorized)]
    [InlineData("shopper", HttpStatusCode.Forbidden)]
    [InlineData("service-token-for-inventory", HttpStatusCode.Unauthorized)]
    [InlineData("dapr-sidecar", HttpStatusCode.OK)]
    [InlineData("service-token-for-orderworkflow", HttpStatusCode.OK)]
    public async Task The_workflows_event_route_admits_the_Dapr_sidecar_or_a_service_token_only(string caller, HttpStatusCode expected)
    {
        using var client = checkout.WorkflowClient(asDaprSidecar: caller == "dapr-sidecar");
        switch (caller)
        {
            case "wrong-dapr-token":
                client.DefaultRequestHeaders.Add("dapr-api-token", "not-the-token");
                break;
            case "shopper":
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessTokens.Mint(checkout.Jwt, "shopper-1"));
                break;
            case "service-token-for-inventory":
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessTokens.MintService(checkout.Jwt, "ordering", "inventory"));
                break;
            case "service-token-for-orderworkflow":
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessTokens.MintService(checkout.Jwt, "ordering", "orderworkflow"));
                break;
        }

        // A topic the workflow does not consume: an admitted caller's event is dropped (200), nothing changes.
        using var response = await client.PostAsJsonAsync("/api/events/catalog.product-created", new { id = Guid.NewGuid() });

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task The_workflow_fetches_its_service_tokens_once_and_reuses_them()
    {
        var product = await checkout.NewProductAsync(5);
        var first = Guid.CreateVersion7();
        var second = Guid.CreateVersion7();
        await checkout.SubmitAsync(Submitted(first, product), Payment.Payments.SimulatedPaymentProvider.Approve);
        await checkout.FinishedAsync([first], TimeSpan.FromSeconds(30));
        var afterFirst = checkout.TokenRequests;

        await checkout.SubmitAsync(Submitted(second, product), Payment.Payments.SimulatedPaymentProvider.Approve);
        await checkout.FinishedAsync([second], TimeSpan.FromSeconds(30));

        // One token per target (inventory, ordering, payment), cached: the second order asks for none.
        Assert.Equal(3, afterFirst);
        Assert.Equal(afterFirst, checkout.TokenRequests);
    }

    private static IntegrationEvents.Events.OrderSubmitted Submitted(Guid order, int product) =>
        new(order, "user-tokens", [new IntegrationEvents.Events.OrderLineContract(product, 1, 3m)], 3m);

    private async Task<HttpResponseMessage> SendAsync(string route, string? token)
    {
        var parts = route.Split(' ');
        var address = parts[0] == "payment" ? checkout.PaymentAddress : checkout.InventoryAddress;
        var order = Guid.NewGuid();
        using var request = new HttpRequestMessage(new HttpMethod(parts[1]), new Uri(address, parts[2].Replace("{order}", order.ToString())));
        if (parts[1] == "POST")
        {
            request.Content = parts[2].EndsWith("authorize", StringComparison.Ordinal)
                ? JsonContent.Create(new { orderId = order, amount = 1m, paymentToken = "tok_ok" })
                : JsonContent.Create(new { orderId = order, lines = new[] { new { productId = 1, quantity = 1 } } });
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var client = new HttpClient();
        return await client.SendAsync(request);
    }
}
