using BuildingBlocks.EventBus;
using Ordering.Api.Model;

namespace Ordering.Api.IntegrationEvents.Events;

/// <summary>One line of a submitted order, as the saga reads it.</summary>
public sealed record OrderLineContract(int ProductId, int Quantity, decimal UnitPrice);

/// <summary>
/// An order was placed: the checkout saga starts, the basket is emptied if it is still
/// <c>BasketVersion</c>, the version the order consumed. No payment credentials: events are stored and
/// relayed in the open; the workflow fetches the token from Ordering's internal route.
/// </summary>
[EventTopic("ordering.order-submitted")]
public sealed record OrderSubmitted(Guid OrderId, string UserId, OrderLineContract[] Lines, decimal Total, long BasketVersion) : IntegrationEvent
{
    /// <summary>The event of <paramref name="order"/>, at checkout and when the stuck-order sweeper announces it again.</summary>
    public static OrderSubmitted From(Order order, long basketVersion) => new(order.Id, order.UserId,
        [.. order.Lines.Select(l => new OrderLineContract(l.ProductId, l.Quantity, l.UnitPrice))], order.Total, basketVersion);
}
