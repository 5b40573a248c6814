using BuildingBlocks.EventBus;

namespace Ordering.Api.IntegrationEvents.Events;

/// <summary>One line of a submitted order, as the saga reads it.</summary>
public sealed record OrderLineContract(int ProductId, int Quantity, decimal UnitPrice);

/// <summary>An order was placed: the checkout saga starts, the basket is emptied.</summary>
[EventTopic("ordering.order-submitted")]
public sealed record OrderSubmitted(Guid OrderId, string UserId, OrderLineContract[] Lines, decimal Total, string PaymentToken) : IntegrationEvent;
