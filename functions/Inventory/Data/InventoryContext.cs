using BuildingBlocks.Data;
using BuildingBlocks.Outbox;
using Inventory.Stock;
using Microsoft.EntityFrameworkCore;

namespace Inventory.Data;

public sealed class InventoryContext(DbContextOptions<InventoryContext> options) : DbContext(options)
{
    public DbSet<StockItem> Stock => Set<StockItem>();
    public DbSet<Reservation> Reservations => Set<Reservation>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<StockItem>(stock =>
        {
            stock.ToTable("stock", t =>
            {
                // The database itself refuses oversell, whatever the code does.
                t.HasCheckConstraint("ck_stock_reserved_within_on_hand", "reserved >= 0 AND reserved <= on_hand");
            });
            stock.HasKey(s => s.ProductId);
            stock.Property(s => s.ProductId).HasColumnName("product_id").ValueGeneratedNever();
            stock.Property(s => s.OnHand).HasColumnName("on_hand");
            stock.Property(s => s.Reserved).HasColumnName("reserved");
            stock.Property(s => s.Version).HasColumnName("version").HasDefaultValue(0L);
        });

        modelBuilder.Entity<Reservation>(reservation =>
        {
            reservation.ToTable("reservations", t => t.HasCheckConstraint("ck_reservations_quantity_positive", "quantity > 0"));
            // One row per order and product: a duplicate reserve of the same order cannot hold stock twice.
            reservation.HasKey(r => new { r.OrderId, r.ProductId });
            reservation.Property(r => r.OrderId).HasColumnName("order_id");
            reservation.Property(r => r.ProductId).HasColumnName("product_id");
            reservation.Property(r => r.Quantity).HasColumnName("quantity");
            reservation.Property(r => r.Status).HasColumnName("status").HasConversion<string>().HasMaxLength(20);
            reservation.Property(r => r.CreatedAt).HasColumnName("created_at");
            reservation.Property(r => r.ExpiresAt).HasColumnName("expires_at");
            reservation.HasIndex(r => r.ExpiresAt).HasDatabaseName("ix_reservations_open_by_expiry").HasFilter("status = 'Reserved'");
        });

        modelBuilder.AddOutboxAndInbox();
    }
}

/// <summary>For <c>dotnet ef migrations add</c>.</summary>
internal sealed class InventoryContextDesignTimeFactory : NpgsqlDesignTimeFactory<InventoryContext>;
