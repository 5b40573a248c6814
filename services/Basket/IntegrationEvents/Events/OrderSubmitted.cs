using BuildingBlocks.EventBus;

namespace Basket.Api.IntegrationEvents.Events;

/// <summary>
/// Basket's own copy of Ordering's event (consumers keep their own contract; fields it does not
/// need are ignored when read). <c>BasketVersion</c> is the basket version the order consumed; 0 in an
/// event published before Ordering sent it, which matches only a basket stored before versions existed.
/// </summary>
[EventTopic("ordering.order-submitted")]
public sealed record OrderSubmitted(Guid OrderId, string UserId, long BasketVersion) : IntegrationEvent;
