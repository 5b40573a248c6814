using BuildingBlocks.EventBus;

namespace Catalog.Api.IntegrationEvents.Events;

/// <summary>Inventory's announcement of a product's availability (its contract, as the catalog reads it).</summary>
/// <param name="ProductId">The product.</param>
/// <param name="Available">Units Inventory can still sell.</param>
/// <param name="Version">Inventory's version of the figure: higher is newer, for the same product.</param>
[EventTopic("inventory.stock-changed")]
public sealed record StockChanged(int ProductId, int Available, long Version) : IntegrationEvent;
