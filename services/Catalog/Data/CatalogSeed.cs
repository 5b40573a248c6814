using System.Text.Json;
using BuildingBlocks.Data;
using Catalog.Api.Model;
using Microsoft.EntityFrameworkCore;

namespace Catalog.Api.Data;

/// <summary>
/// The demo catalog (categories, brands, 120 products) loaded into an empty database. Product ids are
/// the items' positions in catalog-seed.json (1-based): Inventory seeds its stock from the same file
/// under the same ids, so the two agree from the first request.
/// </summary>
internal static class CatalogSeed
{
    private sealed record SeedFile(string[] Categories, string[] Brands, SeedItem[] Items);

    private sealed record SeedItem(string Name, string Description, decimal Price, string Category, string Brand, int AvailableStock);

    public static async Task SeedIfEmptyAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<CatalogContext>();
        if (await db.Categories.AnyAsync(cancellationToken))
        {
            return;
        }

        await using var stream = typeof(CatalogSeed).Assembly.GetManifestResourceStream("catalog-seed.json")
            ?? throw new InvalidOperationException("The embedded resource catalog-seed.json is missing.");
        var seed = await JsonSerializer.DeserializeAsync<SeedFile>(stream, JsonSerializerOptions.Web, cancellationToken)
            ?? throw new InvalidOperationException("catalog-seed.json is empty.");

        var categories = seed.Categories.ToDictionary(name => name, name => new CatalogCategory { Name = name });
        var brands = seed.Brands.ToDictionary(name => name, name => new CatalogBrand { Name = name });
        await db.InTransactionAsync(async token =>
        {
            db.Categories.AddRange(categories.Values);
            db.Brands.AddRange(brands.Values);
            db.Items.AddRange(seed.Items.Select((item, index) => new CatalogItem
            {
                Id = index + 1,
                Name = item.Name,
                Description = item.Description,
                Price = item.Price,
                Category = categories[item.Category],
                Brand = brands[item.Brand],
                // The mirror of Inventory's figure (seeded from the same file); only Inventory's events change it.
                AvailableStock = item.AvailableStock,
            }));
            await db.SaveChangesAsync(token);
            // Explicit ids leave the identity behind: the next product an administrator creates must get 121.
            await db.Database.ExecuteSqlRawAsync(
                """SELECT setval(pg_get_serial_sequence('items', 'Id'), (SELECT max("Id") FROM items))""", token);
        }, cancellationToken);

        services.GetRequiredService<ILogger<CatalogContext>>().LogInformation(
            "Seeded the catalog with {Items} products in {Categories} categories and {Brands} brands",
            seed.Items.Length, categories.Count, brands.Count);
    }
}
