using BuildingBlocks.EventBus;

namespace Inventory.IntegrationEvents.Events;

/// <summary>Stock of a product changed (the catalog shows availability from it).</summary>
/// <param name="ProductId">The product.</param>
/// <param name="Available">Units on hand and not reserved, after the change.</param>
/// <param name="Version">The stock row's version after the change: higher is newer, for the same product.</param>
[EventTopic("inventory.stock-changed")]
public sealed record StockChanged(int ProductId, int Available, long Version) : IntegrationEvent;
