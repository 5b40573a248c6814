using Aspire.Hosting.Testing;
using IntegrationTests.PublicApi;
using IntegrationTests.PublicApi.Models;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// A whole checkout driven only by the Kiota client generated from the gateway's checked-in OpenAPI
/// document (tests/IntegrationTests/PublicApi; OpenApiTests keeps that document equal to the served one):
/// if the document misdescribes a path, a body or an answer, this client cannot check out.
/// </summary>
[Collection(PlatformCollection.Name)]
public class GeneratedClientCheckoutTests(PlatformFixture platform)
{
    private static readonly TimeSpan SagaDeadline = TimeSpan.FromSeconds(90);

    /// <summary>The access token a client app keeps after signing in, handed to Kiota's bearer provider.</summary>
    private sealed class SignedIn : IAccessTokenProvider
    {
        public string Token { get; set; } = "";

        public AllowedHostsValidator AllowedHostsValidator { get; } = new();

        public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null,
            CancellationToken cancellationToken = default) => Task.FromResult(Token);
    }

    private GatewayClient Client(SignedIn session)
    {
        var http = platform.App.CreateHttpClient("gateway");
        return new GatewayClient(new HttpClientRequestAdapter(new BaseBearerTokenAuthenticationProvider(session), httpClient: http)
        {
            BaseUrl = http.BaseAddress!.ToString().TrimEnd('/'),
        });
    }

    [Fact]
    public async Task A_shopper_registers_signs_in_fills_a_basket_and_checks_out_with_the_generated_client()
    {
        // A seeded product, stocked in Inventory from the first start: no administrator step is needed.
        const int productId = 2;
        var anonymous = Client(new SignedIn());
        var item = (await anonymous.Api.Catalog.Items[productId].GetAsync())!;

        var session = new SignedIn();
        var shopper = Client(session);
        var email = $"generated-{Guid.NewGuid():N}@tests.local";
        const string password = "Generated-Client-1";
        var registered = await shopper.Api.Identity.Register.PostAsync(new RegisterRequest { Email = email, Password = password, Name = "Generated Client" });
        Assert.False(string.IsNullOrEmpty(registered!.UserId));
        session.Token = (await shopper.Api.Identity.Login.PostAsync(new LoginRequest { Email = email, Password = password }))!.AccessToken!;

        var basket = await shopper.Api.Basket.Items[productId].PutAsync(new SetQuantityRequest { Quantity = 2 });
        Assert.Equal((productId, 2), (basket!.Items!.Single().ProductId, basket.Items!.Single().Quantity));

        var accepted = await shopper.Api.Orders.PostAsync(
            new CreateOrderRequest
            {
                ShippingAddress = new AddressRequest { Street = "1 Generated Lane", City = "Testville", PostalCode = "12345", Country = "NL" },
                PaymentToken = "tok_ok",
            },
            request => request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString()));
        var orderId = accepted!.OrderId!.Value;
        // The 202 says what was ordered, at which price.
        Assert.Equal((productId, 2, item.Price), (accepted.Lines!.Single().ProductId, accepted.Lines!.Single().Quantity, accepted.Lines!.Single().UnitPrice));
        Assert.Equal(2 * item.Price, accepted.Total);

        var order = await Eventually.UntilAsync(
            async () => (await shopper.Api.Orders[orderId].GetAsync())!,
            o => o.Status is "Confirmed" or "Cancelled",
            SagaDeadline,
            $"order {orderId} to finish");
        Assert.Equal(("Confirmed", (string?)null), (order.Status, order.Reason));
        Assert.Equal(2 * item.Price, order.Total);

        // Inventory committed the two units (read as the administrator: stock levels are theirs).
        var adminSession = new SignedIn();
        var admin = Client(adminSession);
        adminSession.Token = (await admin.Api.Identity.Login.PostAsync(new LoginRequest
        {
            Email = PlatformHost.AdminEmail,
            Password = PlatformHost.AdminPassword,
        }))!.AccessToken!;
        var stock = (await admin.Api.Inventory[productId].GetAsync())!;
        Assert.Equal((0, stock.OnHand), (stock.Reserved, stock.Available));
        Assert.Equal(item.AvailableStock - 2, stock.OnHand);
    }
}
