using BuildingBlocks.EventBus;

namespace Inventory.IntegrationEvents.Events;

/// <summary>An order's hold expired before it was confirmed: the stock is back, the order must be cancelled.</summary>
[EventTopic("inventory.reservation-expired")]
public sealed record ReservationExpired(Guid OrderId) : IntegrationEvent;
