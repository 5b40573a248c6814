using BuildingBlocks.EventBus;
using Catalog.Api.Apis;
using Catalog.Api.Data;
using Catalog.Api.IntegrationEvents.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;

namespace Catalog.Api.IntegrationEvents.EventHandling;

/// <summary>
/// Shows Inventory's availability on the product: eventually consistent, in the order Inventory
/// committed the changes (one partition per product). Setting a value is idempotent, so a redelivery
/// is harmless without an inbox.
/// </summary>
public sealed class StockChangedHandler(CatalogContext db, HybridCache cache) : IIntegrationEventHandler<StockChanged>
{
    public async Task HandleAsync(StockChanged @event, CancellationToken cancellationToken)
    {
        var updated = await db.Items.Where(i => i.Id == @event.ProductId)
            .ExecuteUpdateAsync(set => set.SetProperty(i => i.AvailableStock, Math.Max(0, @event.Available)), cancellationToken);
        if (updated > 0)
        {
            await cache.RemoveAsync(CatalogApi.ItemKey(@event.ProductId), cancellationToken);
        }
    }
}
