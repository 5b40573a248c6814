using BuildingBlocks.Data;
using BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore;
using Ordering.Api.Model;

namespace Ordering.Api.Data;

public sealed class OrderingContext(DbContextOptions<OrderingContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<Buyer> Buyers => Set<Buyer>();
    public DbSet<BasketCheckout> BasketCheckouts => Set<BasketCheckout>();
    public DbSet<OrderPaymentToken> PaymentTokens => Set<OrderPaymentToken>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Order>(order =>
        {
            order.ToTable("orders");
            order.Property(o => o.UserId).HasMaxLength(200);
            order.Property(o => o.Status).HasConversion<string>().HasMaxLength(20);
            order.Property(o => o.Reason).HasMaxLength(30);
            order.Property(o => o.Total).HasPrecision(12, 2);
            order.OwnsOne(o => o.ShippingAddress, address => address.ToJson());
            order.OwnsMany(o => o.Lines, line =>
            {
                line.ToTable("order_lines");
                line.Property(l => l.Name).HasMaxLength(200);
                line.Property(l => l.UnitPrice).HasPrecision(12, 2);
            });
            order.HasIndex(o => new { o.UserId, o.CreatedAt });
            // The stuck-order sweep: unfinished orders by when they last moved (the filter is the query's, so the planner can use it).
            order.HasIndex(o => o.UpdatedAt).HasDatabaseName("ix_orders_unfinished")
                .HasFilter("\"Status\" <> 'Cancelled' AND \"Status\" <> 'Confirmed'");
        });

        modelBuilder.Entity<IdempotencyRecord>(record =>
        {
            record.ToTable("idempotency_records");
            record.HasKey(r => new { r.UserId, r.Key });
            record.Property(r => r.UserId).HasMaxLength(200);
            record.Property(r => r.Key).HasMaxLength(100);
            record.Property(r => r.Fingerprint).HasMaxLength(64);
        });

        modelBuilder.Entity<BasketCheckout>(checkout =>
        {
            checkout.ToTable("basket_checkouts");
            // The key is the guard: a second order from the same basket version cannot commit.
            checkout.HasKey(c => new { c.UserId, c.BasketVersion });
            checkout.Property(c => c.UserId).HasColumnName("user_id").HasMaxLength(200);
            checkout.Property(c => c.BasketVersion).HasColumnName("basket_version");
            checkout.Property(c => c.OrderId).HasColumnName("order_id");
        });

        modelBuilder.Entity<OrderPaymentToken>(token =>
        {
            token.ToTable("order_payment_tokens");
            token.HasKey(t => t.OrderId);
            token.Property(t => t.OrderId).HasColumnName("order_id");
            token.Property(t => t.Token).HasColumnName("token").HasMaxLength(200);
        });

        modelBuilder.Entity<Buyer>(buyer =>
        {
            buyer.ToTable("buyers");
            buyer.HasKey(b => b.UserId);
            buyer.Property(b => b.UserId).HasColumnName("user_id").HasMaxLength(200);
            buyer.Property(b => b.Email).HasColumnName("email").HasMaxLength(256);
            buyer.Property(b => b.Name).HasColumnName("name").HasMaxLength(100);
        });

        modelBuilder.AddOutboxAndInbox();
    }
}

/// <summary>For <c>dotnet ef migrations add</c>.</summary>
internal sealed class OrderingContextDesignTimeFactory : NpgsqlDesignTimeFactory<OrderingContext>;
