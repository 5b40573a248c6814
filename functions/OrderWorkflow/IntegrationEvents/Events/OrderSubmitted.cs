using BuildingBlocks.EventBus;

namespace OrderWorkflow.IntegrationEvents.Events;

/// <summary>One line of a submitted order.</summary>
public sealed record OrderLineContract(int ProductId, int Quantity, decimal UnitPrice);

/// <summary>
/// Ordering's new order (its contract, as the workflow reads it): starts a saga. The payment token is
/// not in it; the saga fetches it from Ordering when it authorizes.
/// </summary>
[EventTopic("ordering.order-submitted")]
public sealed record OrderSubmitted(Guid OrderId, string UserId, OrderLineContract[] Lines, decimal Total) : IntegrationEvent;
