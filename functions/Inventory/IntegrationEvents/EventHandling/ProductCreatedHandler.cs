using BuildingBlocks.EventBus;
using Inventory.IntegrationEvents.Events;
using Inventory.Stock;

namespace Inventory.IntegrationEvents.EventHandling;

/// <summary>A new product starts with nothing on hand, so its stock can be read (and reserved, once stocked).</summary>
public sealed class ProductCreatedHandler(StockReservations stock) : IIntegrationEventHandler<ProductCreated>
{
    public Task HandleAsync(ProductCreated @event, CancellationToken cancellationToken) =>
        stock.RecordProductAsync(@event.ProductId, cancellationToken);
}
