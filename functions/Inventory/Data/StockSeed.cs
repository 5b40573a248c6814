using System.Text.Json;
using BuildingBlocks.Data;
using BuildingBlocks.Outbox;
using Inventory.IntegrationEvents.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inventory.Data;

/// <summary>
/// Stocks the demo catalog: a row for every seeded product (ids are positions in the catalog's
/// catalog-seed.json, 1-based, the file the catalog seeds itself from) with the file's quantity.
/// Products that already have a row keep it, so this runs at every start and only fills gaps; each row
/// it adds is announced (StockChanged), so the catalog's figure follows Inventory's even on a catalog
/// seeded before Inventory owned stock.
/// </summary>
internal static class StockSeed
{
    private sealed record SeedFile(SeedItem[] Items);

    private sealed record SeedItem(int AvailableStock);

    private sealed record Added(int ProductId, int OnHand);

    public static async Task StockSeededProductsAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var stream = typeof(StockSeed).Assembly.GetManifestResourceStream("catalog-seed.json")
            ?? throw new InvalidOperationException("The embedded resource catalog-seed.json is missing.");
        var seed = await JsonSerializer.DeserializeAsync<SeedFile>(stream, JsonSerializerOptions.Web, cancellationToken)
            ?? throw new InvalidOperationException("catalog-seed.json is empty.");
        var ids = Enumerable.Range(1, seed.Items.Length).ToArray();
        var quantities = seed.Items.Select(item => item.AvailableStock).ToArray();

        var db = services.GetRequiredService<InventoryContext>();
        var outbox = services.GetRequiredService<IntegrationEventOutbox<InventoryContext>>();
        var added = await db.InTransactionAsync(async token =>
        {
            var rows = await db.Database.SqlQuery<Added>($"""
                INSERT INTO stock (product_id, on_hand, reserved, version)
                SELECT id, quantity, 0, 1 FROM unnest({ids}, {quantities}) AS seed(id, quantity)
                ON CONFLICT (product_id) DO NOTHING
                RETURNING product_id AS "ProductId", on_hand AS "OnHand"
                """).ToListAsync(token);
            foreach (var row in rows)
            {
                outbox.Add(new StockChanged(row.ProductId, row.OnHand, Version: 1), row.ProductId.ToString());
            }

            await db.SaveChangesAsync(token);
            return rows.Count;
        }, cancellationToken);

        if (added > 0)
        {
            services.GetRequiredService<ILogger<InventoryContext>>().LogInformation(
                "Stocked {Added} seeded catalog products", added);
        }
    }
}
