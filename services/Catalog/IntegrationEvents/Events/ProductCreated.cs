using BuildingBlocks.EventBus;

namespace Catalog.Api.IntegrationEvents.Events;

/// <summary>
/// An administrator added a product. Inventory, the owner of stock, records it with nothing on hand
/// until it is stocked; the catalog shows it unavailable until Inventory says otherwise.
/// </summary>
[EventTopic("catalog.product-created")]
public sealed record ProductCreated(int ProductId) : IntegrationEvent;
