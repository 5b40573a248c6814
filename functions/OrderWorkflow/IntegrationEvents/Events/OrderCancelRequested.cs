using BuildingBlocks.EventBus;

namespace OrderWorkflow.IntegrationEvents.Events;

/// <summary>The shopper asked Ordering to cancel the order.</summary>
[EventTopic("ordering.order-cancel-requested")]
public sealed record OrderCancelRequested(Guid OrderId) : IntegrationEvent;
