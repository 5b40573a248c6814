using BuildingBlocks.EventBus;

namespace Inventory.IntegrationEvents.Events;

/// <summary>The catalog's announcement of a new product (its contract, as Inventory reads it).</summary>
[EventTopic("catalog.product-created")]
public sealed record ProductCreated(int ProductId) : IntegrationEvent;
