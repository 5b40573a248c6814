using Basket.Grpc;
using Grpc.Core;
using TestSupport;

namespace Basket.Tests;

/// <summary>The basket's gRPC service is internal: Ordering's service token only.</summary>
[Collection(BasketCollection.Name)]
public sealed class BasketGrpcAuthorizationTests(BasketFixture fixture)
{
    public static TheoryData<string, StatusCode> Callers => new()
    {
        { "anonymous", StatusCode.Unauthenticated },
        { "shopper", StatusCode.PermissionDenied },
        { "admin", StatusCode.PermissionDenied },
        { "another-service", StatusCode.PermissionDenied },
        { "ordering-for-another-audience", StatusCode.Unauthenticated },
        { "hs256-shared-key", StatusCode.Unauthenticated },
    };

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task GetBasket_refuses_every_caller_but_Orderings_service_token(string caller, StatusCode expected)
    {
        var headers = caller switch
        {
            "anonymous" => new Metadata(),
            "shopper" => Bearer(AccessTokens.Mint(fixture.Jwt, "shopper-1")),
            "admin" => Bearer(AccessTokens.Mint(fixture.Jwt, "admin-1", "admin")),
            "another-service" => fixture.ServiceCaller(clientId: "orderworkflow"),
            "ordering-for-another-audience" => fixture.ServiceCaller(audience: "payment"),
            "hs256-shared-key" => Bearer(AccessTokens.MintHs256(fixture.Jwt, new string('k', 48), "shopper-1", "admin")),
            _ => throw new ArgumentOutOfRangeException(nameof(caller)),
        };
        var grpc = new BasketService.BasketServiceClient(fixture.GrpcChannel);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await grpc.GetBasketAsync(new GetBasketRequest { UserId = "shopper-1" }, headers));

        Assert.Equal(expected, error.StatusCode);
    }

    [Fact]
    public async Task GetBasket_answers_Orderings_service_token()
    {
        var grpc = new BasketService.BasketServiceClient(fixture.GrpcChannel);

        var reply = await grpc.GetBasketAsync(new GetBasketRequest { UserId = $"shopper-{Guid.NewGuid():N}" }, fixture.ServiceCaller());

        Assert.Empty(reply.Lines);
    }

    private static Metadata Bearer(string token) => new() { { "Authorization", "Bearer " + token } };
}
