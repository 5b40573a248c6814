using BuildingBlocks.EventBus;

namespace Catalog.Api.IntegrationEvents.Events;

/// <summary>Inventory's announcement of a product's availability (its contract, as the catalog reads it).</summary>
[EventTopic("inventory.stock-changed")]
public sealed record StockChanged(int ProductId, int Available) : IntegrationEvent;
