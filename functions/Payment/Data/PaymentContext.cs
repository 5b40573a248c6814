using BuildingBlocks.Data;
using BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore;
using Payment.Payments;

namespace Payment.Data;

public sealed class PaymentContext(DbContextOptions<PaymentContext> options) : DbContext(options)
{
    public DbSet<OrderPayment> Payments => Set<OrderPayment>();
    public DbSet<PaymentOperation> Ledger => Set<PaymentOperation>();
    public DbSet<ProviderRecord> ProviderRecords => Set<ProviderRecord>();
    public DbSet<ProviderPayment> ProviderPayments => Set<ProviderPayment>();
    public DbSet<OrderFinalStatus> OrderFinalStatuses => Set<OrderFinalStatus>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OrderPayment>(payment =>
        {
            payment.ToTable("payments");
            payment.HasKey(p => p.OrderId);
            payment.Property(p => p.Amount).HasPrecision(12, 2);
            payment.Property(p => p.Status).HasConversion<string>().HasMaxLength(20);
            payment.Property(p => p.AuthorizationId).HasMaxLength(100);
            payment.Property(p => p.DeclineReason).HasMaxLength(200);
        });

        modelBuilder.Entity<PaymentOperation>(operation =>
        {
            operation.ToTable("payment_ledger");
            operation.Property(o => o.Kind).HasConversion<string>().HasMaxLength(20);
            operation.Property(o => o.IdempotencyKey).HasMaxLength(200);
            operation.Property(o => o.Amount).HasPrecision(12, 2);
            operation.Property(o => o.Outcome).HasMaxLength(200);
            operation.HasIndex(o => o.OrderId);
        });

        modelBuilder.Entity<ProviderRecord>(record =>
        {
            record.ToTable("simulated_provider_records");
            record.HasKey(r => r.IdempotencyKey);
            record.Property(r => r.Kind).HasConversion<string>().HasMaxLength(20);
            record.Property(r => r.Amount).HasPrecision(12, 2);
            record.Property(r => r.State).HasConversion<string>().HasMaxLength(20);
            record.Property(r => r.DeclineReason).HasMaxLength(200);
        });

        modelBuilder.Entity<ProviderPayment>(payment =>
        {
            payment.ToTable("simulated_provider_payments");
            payment.HasKey(p => p.MerchantReference);
            payment.Property(p => p.PaymentToken).HasMaxLength(200);
            payment.Property(p => p.State).HasConversion<string>().HasMaxLength(20);
            payment.Property(p => p.Amount).HasPrecision(12, 2);
            payment.Property(p => p.CapturedAmount).HasPrecision(12, 2);
            payment.Property(p => p.RefundedAmount).HasPrecision(12, 2);
            payment.Ignore(p => p.NetCaptured);
        });

        modelBuilder.Entity<OrderFinalStatus>(status =>
        {
            status.ToTable("order_final_statuses");
            status.HasKey(s => s.OrderId);
            status.Property(s => s.Status).HasMaxLength(20);
            status.Property(s => s.Reason).HasMaxLength(50);
        });

        modelBuilder.AddOutboxAndInbox();
    }
}

/// <summary>For <c>dotnet ef migrations add</c>.</summary>
internal sealed class PaymentContextDesignTimeFactory : NpgsqlDesignTimeFactory<PaymentContext>;
