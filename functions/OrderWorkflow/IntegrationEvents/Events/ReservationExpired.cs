using BuildingBlocks.EventBus;

namespace OrderWorkflow.IntegrationEvents.Events;

/// <summary>Inventory released an order's hold because it expired.</summary>
[EventTopic("inventory.reservation-expired")]
public sealed record ReservationExpired(Guid OrderId) : IntegrationEvent;
