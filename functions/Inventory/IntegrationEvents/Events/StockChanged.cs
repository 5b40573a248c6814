using BuildingBlocks.EventBus;

namespace Inventory.IntegrationEvents.Events;

/// <summary>Stock of a product changed (the catalog shows availability from it).</summary>
[EventTopic("inventory.stock-changed")]
public sealed record StockChanged(int ProductId, int Available) : IntegrationEvent;
