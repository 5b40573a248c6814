namespace WebApp.Orders;

/// <summary>
/// What the order page's status element (wwwroot/order-status.js) polls while the checkout runs: the order's status
/// in the API's word and in the shopper's, so that the page follows the saga without being reloaded.
/// </summary>
public static class OrderStatusEndpoint
{
    public static IEndpointRouteBuilder MapOrderStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/orders/{orderId:guid}/status", async (Guid orderId, OrdersClient orders, CancellationToken cancellationToken) =>
            await orders.GetAsync(orderId, cancellationToken) is { } order
                ? Results.Ok(new { status = order.Status, explanation = OrderStatuses.Explain(order.Status, order.Reason), final = order.IsFinal })
                : Results.NotFound())
            .RequireAuthorization()
            .ExcludeFromDescription();
        return app;
    }
}
