using System.Globalization;
using Basket.Api.Model;
using Basket.Grpc;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace Basket.Api.Grpc;

/// <summary>
/// The basket for other services (Ordering reads it at checkout). Service-to-service only: the gateway
/// does not route gRPC, and the caller must present Ordering's service token (anything else gets
/// Unauthenticated or PermissionDenied); the caller names the user.
/// </summary>
[Authorize(Policy = ServiceCallers.Ordering)]
public sealed class BasketGrpcService(BasketStore baskets) : BasketService.BasketServiceBase
{
    public override async Task<BasketReply> GetBasket(GetBasketRequest request, ServerCallContext context)
    {
        var (basket, version) = await baskets.GetPricedAsync(RequireUserId(request.UserId), context.CancellationToken);
        var reply = new BasketReply { Total = Format(basket.Total), Version = version };
        reply.Lines.AddRange(basket.Items.Select(line => new BasketLine
        {
            ProductId = line.ProductId,
            Name = line.Name,
            Quantity = line.Quantity,
            UnitPrice = Format(line.UnitPrice),
        }));
        return reply;
    }

    public override async Task<ClearBasketReply> ClearBasket(ClearBasketRequest request, ServerCallContext context)
    {
        await baskets.ClearAsync(RequireUserId(request.UserId), consumedVersion: null, context.CancellationToken);
        return new ClearBasketReply();
    }

    // Decimals travel as invariant text: protobuf has no exact decimal and doubles would round prices.
    private static string Format(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string RequireUserId(string userId) =>
        string.IsNullOrWhiteSpace(userId)
            ? throw new RpcException(new Status(StatusCode.InvalidArgument, "user_id is required."))
            : userId;
}
