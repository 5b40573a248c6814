using System.Text.Json;
using Catalog.Api.Model;
using Microsoft.EntityFrameworkCore;

namespace Catalog.Api.Data;

/// <summary>The demo catalog (categories, brands, 120 products) loaded into an empty database.</summary>
internal static class CatalogSeed
{
    private sealed record SeedFile(string[] Categories, string[] Brands, SeedItem[] Items);

    private sealed record SeedItem(string Name, string Description, decimal Price, string Category, string Brand, int AvailableStock);

    public static async Task SeedIfEmptyAsync(CatalogContext db, ILogger logger, CancellationToken cancellationToken)
    {
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
        db.Categories.AddRange(categories.Values);
        db.Brands.AddRange(brands.Values);
        db.Items.AddRange(seed.Items.Select(item => new CatalogItem
        {
            Name = item.Name,
            Description = item.Description,
            Price = item.Price,
            Category = categories[item.Category],
            Brand = brands[item.Brand],
            AvailableStock = item.AvailableStock,
        }));
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Seeded the catalog with {Items} products in {Categories} categories and {Brands} brands",
            seed.Items.Length, categories.Count, brands.Count);
    }
}
