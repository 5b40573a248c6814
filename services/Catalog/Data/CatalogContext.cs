using BuildingBlocks.Data;
using BuildingBlocks.Outbox;
using Catalog.Api.Model;
using Microsoft.EntityFrameworkCore;

namespace Catalog.Api.Data;

public sealed class CatalogContext(DbContextOptions<CatalogContext> options) : DbContext(options)
{
    public DbSet<CatalogItem> Items => Set<CatalogItem>();
    public DbSet<CatalogCategory> Categories => Set<CatalogCategory>();
    public DbSet<CatalogBrand> Brands => Set<CatalogBrand>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<CatalogItem>(item =>
        {
            item.ToTable("items");
            item.Property(i => i.Name).HasMaxLength(200);
            item.Property(i => i.Description).HasMaxLength(4000);
            item.Property(i => i.Price).HasPrecision(12, 2);
            item.HasOne(i => i.Category).WithMany().HasForeignKey(i => i.CategoryId).OnDelete(DeleteBehavior.Restrict);
            item.HasOne(i => i.Brand).WithMany().HasForeignKey(i => i.BrandId).OnDelete(DeleteBehavior.Restrict);
            item.HasIndex(i => i.Name);
            item.HasIndex(i => i.Price);
            item.ToTable(t => t.HasCheckConstraint("ck_items_price_positive", "\"Price\" > 0"));
            item.ToTable(t => t.HasCheckConstraint("ck_items_stock_not_negative", "\"AvailableStock\" >= 0"));
        });

        modelBuilder.Entity<CatalogCategory>(category =>
        {
            category.ToTable("categories");
            category.Property(c => c.Name).HasMaxLength(100);
            category.HasIndex(c => c.Name).IsUnique();
        });

        modelBuilder.Entity<CatalogBrand>(brand =>
        {
            brand.ToTable("brands");
            brand.Property(b => b.Name).HasMaxLength(100);
            brand.HasIndex(b => b.Name).IsUnique();
        });

        // ProductCreated leaves through the outbox, in the transaction that adds the product.
        modelBuilder.AddOutboxAndInbox();
    }
}

/// <summary>For <c>dotnet ef migrations add</c>.</summary>
internal sealed class CatalogContextDesignTimeFactory : NpgsqlDesignTimeFactory<CatalogContext>;
