using BuildingBlocks.EventBus;

namespace Ordering.Api.IntegrationEvents.Events;

/// <summary>The shopper asked to cancel: the saga compensates whatever it has done.</summary>
[EventTopic("ordering.order-cancel-requested")]
public sealed record OrderCancelRequested(Guid OrderId) : IntegrationEvent;
