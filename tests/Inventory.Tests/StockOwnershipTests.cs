using System.Text.Json;
using Inventory.IntegrationEvents.EventHandling;
using Inventory.IntegrationEvents.Events;
using Inventory.Stock;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Inventory.Tests;

/// <summary>Inventory owns stock from its first start: the catalog's seeded products, and every product created later.</summary>
public sealed class StockOwnershipTests(InventoryFixture inventory) : IClassFixture<InventoryFixture>
{
    private sealed record SeedFile(SeedItem[] Items);

    private sealed record SeedItem(int AvailableStock);

    private static readonly SeedItem[] Seed = JsonSerializer.Deserialize<SeedFile>(
        File.ReadAllText(RepositoryFiles.PathOf("services", "Catalog", "Data", "catalog-seed.json")), JsonSerializerOptions.Web)!.Items;

    [Fact]
    public async Task A_fresh_inventory_holds_every_seeded_product_with_the_seed_quantity_and_announces_it()
    {
        Assert.Equal(120, Seed.Length);
        for (var id = 1; id <= Seed.Length; id++)
        {
            Assert.Equal(new StockLevel(id, Seed[id - 1].AvailableStock, 0, Seed[id - 1].AvailableStock), await inventory.LevelAsync(id));
        }

        // The catalog mirrors what Inventory announces, one StockChanged per seeded product.
        var announced = (await inventory.OutboxAsync("inventory.stock-changed")).Select(m => m.PartitionKey!).ToHashSet();
        Assert.Superset(Enumerable.Range(1, Seed.Length).Select(id => id.ToString()).ToHashSet(), announced);
    }

    [Fact]
    public async Task A_product_created_in_the_catalog_starts_with_nothing_on_hand_and_stock_set_first_is_kept()
    {
        var created = Random.Shared.Next(1_000_000, int.MaxValue);
        var stockedFirst = await inventory.NewProductAsync(onHand: 7);

        await using (var scope = inventory.Services.CreateAsyncScope())
        {
            var handler = scope.ServiceProvider.GetRequiredService<ProductCreatedHandler>();
            await handler.HandleAsync(new ProductCreated(created), default);
            // The event can arrive after an administrator already stocked the product, or twice.
            await handler.HandleAsync(new ProductCreated(stockedFirst), default);
            await handler.HandleAsync(new ProductCreated(created), default);
        }

        Assert.Equal(new StockLevel(created, 0, 0, 0), await inventory.LevelAsync(created));
        Assert.Equal(new StockLevel(stockedFirst, 7, 0, 7), await inventory.LevelAsync(stockedFirst));
    }
}
