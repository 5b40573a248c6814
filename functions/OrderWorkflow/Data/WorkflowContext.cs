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

    public DbSet<EarlyCancellation> EarlyCancellations => Set<EarlyCancellation>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OrderSaga>(saga =>
        {
            saga.ToTable("order_sagas");
            saga.HasKey(s => s.OrderId);
            saga.Property(s => s.UserId).HasMaxLength(200);
            saga.Property(s => s.Total).HasPrecision(12, 2);
            saga.Property(s => s.Lines).HasColumnType("jsonb").HasConversion(
                lines => JsonSerializer.Serialize(lines, JsonSerializerOptions.Web),
                json => JsonSerializer.Deserialize<List<SagaLine>>(json, JsonSerializerOptions.Web) ?? new List<SagaLine>(),
                new ValueComparer<List<SagaLine>>((a, b) => a!.SequenceEqual(b!), l => l.Aggregate(0, (h, x) => HashCode.Combine(h, x)), l => l.ToList()));
            saga.Property(s => s.Step).HasConversion<string>().HasMaxLength(20);
            saga.Property(s => s.Reason).HasConversion<string>().HasMaxLength(30);
            // Every save is fenced: by the lease (a runner taken over writes nothing) and by the
            // pending cancellation (a runner never saves over one it has not seen).
            saga.Property(s => s.PendingCancel).HasConversion<string>().HasMaxLength(30).IsConcurrencyToken();
            saga.Property(s => s.LeaseOwner).HasMaxLength(200).IsConcurrencyToken();
            saga.Property(s => s.LastError).HasMaxLength(2000);
            // The runners' scan: unfinished sagas by when they are due (the filter is the query's, so the planner can use it).
            saga.HasIndex(s => s.NextAttemptAt).HasDatabaseName("ix_order_sagas_due")
                .HasFilter("\"Step\" <> 'Confirmed' AND \"Step\" <> 'Cancelled'");
        });

        modelBuilder.Entity<EarlyCancellation>(early =>
        {
            early.ToTable("early_cancellations");
            early.HasKey(e => e.OrderId);
            early.Property(e => e.Reason).HasConversion<string>().HasMaxLength(30);
        });

        modelBuilder.AddOutboxAndInbox();
    }
}

/// <summary>For <c>dotnet ef migrations add</c>.</summary>
internal sealed class WorkflowContextDesignTimeFactory : NpgsqlDesignTimeFactory<WorkflowContext>;
