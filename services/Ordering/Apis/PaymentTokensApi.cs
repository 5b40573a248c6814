using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ordering.Api.Data;
using Ordering.Api.Model;

namespace Ordering.Api.Apis;

/// <summary>
/// Internal: the order workflow fetches an order's payment token here, so that the token never travels
/// in an event. Not routed by the gateway (it forwards only <c>/api/orders</c>).
/// </summary>
public static class PaymentTokensApi
{
    public static IEndpointRouteBuilder MapPaymentTokensApi(this IEndpointRouteBuilder app)
    {
        // Only the order workflow's own service token: a shopper's token (even the buyer's) gets 403.
        app.MapGet("/internal/orders/{orderId:guid}/payment-token", GetPaymentToken)
            .WithTags("Internal")
            .WithName("GetOrderPaymentToken")
            .WithSummary("The payment token an order was placed with (for the order workflow)")
            .WithDescription("404 when the order is unknown, or has reached a final status (the token is deleted then).")
            .RequireServiceCaller("orderworkflow");
        return app;
    }

    public static async Task<Results<Ok<OrderPaymentTokenDto>, NotFound>> GetPaymentToken(Guid orderId, OrderingContext db, CancellationToken cancellationToken)
    {
        var token = await db.PaymentTokens.AsNoTracking().SingleOrDefaultAsync(t => t.OrderId == orderId, cancellationToken);
        return token is null ? TypedResults.NotFound() : TypedResults.Ok(new OrderPaymentTokenDto(token.OrderId, token.Token));
    }
}
