using System.Text.Json;
using BuildingBlocks.Data;
using BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using OrderWorkflow.Saga;

namespace OrderWorkflow.Data;

public sealed class WorkflowContext(DbContextOptions<WorkflowContext> options) : DbContext(options)
{
    public DbSet<OrderSaga> Sagas => Set<OrderSaga>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OrderSaga>(saga =>
        {
            saga.ToTable("order_sagas");
            saga.HasKey(s => s.OrderId);
            saga.Property(s => s.UserId).HasMaxLength(200);
            saga.Property(s => s.PaymentToken).HasMaxLength(200);
            saga.Property(s => s.Total).HasPrecision(12, 2);
            saga.Property(s => s.Lines).HasColumnType("jsonb").HasConversion(
                lines => JsonSerializer.Serialize(lines, JsonSerializerOptions.Web),
                json => JsonSerializer.Deserialize<List<SagaLine>>(json, JsonSerializerOptions.Web) ?? new List<SagaLine>(),
                new ValueComparer<List<SagaLine>>((a, b) => a!.SequenceEqual(b!), l => l.Aggregate(0, (h, x) => HashCode.Combine(h, x)), l => l.ToList()));
            saga.Property(s => s.Step).HasConversion<string>().HasMaxLength(20);
            saga.Property(s => s.Reason).HasConversion<string>().HasMaxLength(30);
            saga.Property(s => s.PendingCancel).HasConversion<string>().HasMaxLength(30);
            saga.Property(s => s.LeaseOwner).HasMaxLength(200);
            saga.Property(s => s.LastError).HasMaxLength(2000);
            saga.Property(s => s.Version).IsRowVersion();
            saga.Ignore(s => s.IsFinished);
            // The runners' scan: unfinished sagas by when they are due.
            saga.HasIndex(s => s.NextAttemptAt).HasDatabaseName("ix_order_sagas_due")
                .HasFilter("\"Step\" NOT IN ('Confirmed', 'Cancelled')");
        });

        modelBuilder.AddOutboxAndInbox();
    }
}

/// <summary>For <c>dotnet ef migrations add</c>.</summary>
internal sealed class WorkflowContextDesignTimeFactory : NpgsqlDesignTimeFactory<WorkflowContext>;
