using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using Catalog.Api.Data;
using Catalog.Api.IntegrationEvents.EventHandling;
using Catalog.Api.IntegrationEvents.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// The catalog's copy of Inventory's availability ends at Inventory's latest figure whatever order the
/// StockChanged events arrive in: four catalog replicas read the stream concurrently, so two changes of
/// one product can be applied by two replicas in either order.
/// </summary>
[Collection(PlatformCollection.Name)]
public class CatalogStockFigureTests(PlatformFixture platform)
{
    private readonly HttpClient _admin = platform.AdminClient();

    [Fact]
    public async Task An_older_figure_arriving_after_a_newer_one_is_ignored()
    {
        var item = await _admin.NewProductAsync("Out of order");
        var catalogDb = await platform.App.GetConnectionStringAsync("catalogdb");
        await using var services = new ServiceCollection()
            .AddDbContext<CatalogContext>(options => options.UseNpgsql(catalogDb))
            .AddHybridCache().Services
            .AddLogging()
            .BuildServiceProvider();

        await HandleAsync(services, new StockChanged(item.Id, Available: 5, Version: 3));
        await HandleAsync(services, new StockChanged(item.Id, Available: 9, Version: 2));
        await HandleAsync(services, new StockChanged(item.Id, Available: 5, Version: 3)); // redelivered
        Assert.Equal((5, 3L), await ShownAsync(services, item.Id));

        await HandleAsync(services, new StockChanged(item.Id, Available: 2, Version: 4));
        Assert.Equal((2, 4L), await ShownAsync(services, item.Id));
    }

    [Fact]
    public async Task A_burst_of_stock_changes_ends_with_the_last_figure_in_the_catalog()
    {
        var item = await _admin.NewProductAsync("Burst");

        // One after another, as an administrator counting a delivery would: each is a StockChanged.
        foreach (var onHand in new[] { 40, 31, 27, 18, 12, 9, 6, 3 })
        {
            (await _admin.PutAsJsonAsync($"/api/inventory/{item.Id}", new { onHand })).EnsureSuccessStatusCode();
        }

        var shown = await Eventually.UntilAsync(
            async () => (await platform.Gateway.GetFromJsonAsync<CatalogItem>($"/api/catalog/items/{item.Id}"))!.AvailableStock,
            stock => stock == 3, TimeSpan.FromSeconds(30), "the catalog to show the last figure");
        Assert.Equal(3, shown);
    }

    private static async Task HandleAsync(IServiceProvider services, StockChanged stockChanged)
    {
        await using var scope = services.CreateAsyncScope();
        await new StockChangedHandler(scope.ServiceProvider.GetRequiredService<CatalogContext>(),
            scope.ServiceProvider.GetRequiredService<HybridCache>()).HandleAsync(stockChanged, CancellationToken.None);
    }

    private static async Task<(int AvailableStock, long StockVersion)> ShownAsync(IServiceProvider services, int id)
    {
        await using var scope = services.CreateAsyncScope();
        var item = await scope.ServiceProvider.GetRequiredService<CatalogContext>().Items.AsNoTracking().SingleAsync(i => i.Id == id);
        return (item.AvailableStock, item.StockVersion);
    }
}
