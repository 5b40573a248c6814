using BuildingBlocks.EventBus;
using Catalog.Api.Apis;
using Catalog.Api.Data;
using Catalog.Api.IntegrationEvents.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;

namespace Catalog.Api.IntegrationEvents.EventHandling;

/// <summary>
/// Shows Inventory's availability on the product, eventually. The events of one product can arrive out
/// of order (replicas of this service read the stream concurrently, and a failed delivery is retried
/// after later ones), so a figure replaces the shown one only if its version is newer: the product ends
/// with Inventory's latest figure whatever the order, and a redelivery changes nothing.
/// </summary>
public sealed class StockChangedHandler(CatalogContext db, HybridCache cache) : IIntegrationEventHandler<StockChanged>
{
    public async Task HandleAsync(StockChanged @event, CancellationToken cancellationToken)
    {
        var updated = await db.Items.Where(i => i.Id == @event.ProductId && i.StockVersion < @event.Version)
            .ExecuteUpdateAsync(set => set
                .SetProperty(i => i.AvailableStock, Math.Max(0, @event.Available))
                .SetProperty(i => i.StockVersion, @event.Version), cancellationToken);
        if (updated > 0)
        {
            await cache.RemoveAsync(CatalogApi.ItemKey(@event.ProductId), cancellationToken);
        }
    }
}
