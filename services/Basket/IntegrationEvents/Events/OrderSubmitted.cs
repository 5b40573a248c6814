using BuildingBlocks.EventBus;

namespace Basket.Api.IntegrationEvents.Events;

/// <summary>
/// Basket's own copy of Ordering's event (consumers keep their own contract; fields it does not
/// need are ignored when read).
/// </summary>
[EventTopic("ordering.order-submitted")]
public sealed record OrderSubmitted(Guid OrderId, string UserId) : IntegrationEvent;
