using Microsoft.IdentityModel.JsonWebTokens;

namespace Ordering.Tests;

/// <summary>Ordering calls Basket's internal gRPC service with its own service token, never anonymously.</summary>
[Collection(OrderingCollection.Name)]
public sealed class ServiceTokenTests(OrderingFixture fixture)
{
    [Fact]
    public async Task Checkout_reads_the_basket_with_Orderings_service_token_for_Basket()
    {
        var user = OrderingFixture.NewUser();
        using var client = fixture.ClientFor(user);

        await fixture.PlaceOrderAsync(client, user);

        var header = fixture.Basket.LastAuthorization;
        Assert.NotNull(header);
        Assert.StartsWith("Bearer ", header);
        var token = new JsonWebToken(header["Bearer ".Length..]);
        Assert.Equal(["basket"], token.Audiences);
        Assert.Equal("ordering", token.GetClaim("client_id").Value);
        Assert.False(token.TryGetClaim("sub", out _));
    }
}
