using Microsoft.EntityFrameworkCore;

namespace BuildingBlocks.Outbox;

/// <summary>An integration event stored with the state change that caused it, waiting to be published.</summary>
public sealed class OutboxMessage
{
    /// <summary>Commit order across the whole outbox; the relay publishes in this order.</summary>
    public long Sequence { get; set; }
    public Guid EventId { get; set; }
    public required string Topic { get; set; }
    /// <summary>The aggregate whose events must stay in order; a failed publish holds back only its later events.</summary>
    public string? PartitionKey { get; set; }
    /// <summary>The whole CloudEvent as JSON, trace context included.</summary>
    public required string CloudEvent { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? PublishedAt { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
}

/// <summary>Records that a consumer has processed an event, so a redelivery has no second effect.</summary>
public sealed class InboxMessage
{
    public required string Consumer { get; set; }
    public Guid EventId { get; set; }
    public DateTimeOffset ProcessedAt { get; set; }
}

public static class OutboxModel
{
    public const string OutboxTable = "outbox_messages";
    public const string InboxTable = "inbox_messages";

    /// <summary>Adds the outbox and inbox tables to a service's model (call from OnModelCreating).</summary>
    public static ModelBuilder AddOutboxAndInbox(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OutboxMessage>(outbox =>
        {
            outbox.ToTable(OutboxTable);
            outbox.HasKey(m => m.Sequence);
            outbox.Property(m => m.Sequence).HasColumnName("sequence").UseIdentityAlwaysColumn();
            outbox.Property(m => m.EventId).HasColumnName("event_id");
            outbox.Property(m => m.Topic).HasColumnName("topic").HasMaxLength(200);
            outbox.Property(m => m.PartitionKey).HasColumnName("partition_key").HasMaxLength(200);
            outbox.Property(m => m.CloudEvent).HasColumnName("cloud_event").HasColumnType("jsonb");
            outbox.Property(m => m.CreatedAt).HasColumnName("created_at");
            outbox.Property(m => m.PublishedAt).HasColumnName("published_at");
            outbox.Property(m => m.Attempts).HasColumnName("attempts");
            outbox.Property(m => m.LastError).HasColumnName("last_error").HasMaxLength(2000);
            outbox.HasIndex(m => m.EventId).IsUnique();
            // The relay's scan: unpublished rows in commit order, kept small by a partial index.
            outbox.HasIndex(m => m.Sequence).HasDatabaseName("ix_outbox_unpublished").HasFilter("published_at IS NULL");
            outbox.HasIndex(m => m.PublishedAt).HasDatabaseName("ix_outbox_published_at");
        });

        modelBuilder.Entity<InboxMessage>(inbox =>
        {
            inbox.ToTable(InboxTable);
            inbox.HasKey(m => new { m.Consumer, m.EventId });
            inbox.Property(m => m.Consumer).HasColumnName("consumer").HasMaxLength(200);
            inbox.Property(m => m.EventId).HasColumnName("event_id");
            inbox.Property(m => m.ProcessedAt).HasColumnName("processed_at");
        });

        return modelBuilder;
    }
}
