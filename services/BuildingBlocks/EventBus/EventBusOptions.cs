namespace BuildingBlocks.EventBus;

/// <summary>Settings of the event backbone (configuration section "EventBus").</summary>
public sealed class EventBusOptions
{
    public const string SectionName = "EventBus";

    /// <summary>This service's name: the CloudEvent source and its consumer group. Defaults to the application name.</summary>
    public string ServiceName { get; set; } = "";

    /// <summary>Handler attempts per delivery (with exponential backoff and jitter) before the message is dead-lettered.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Deliveries to crashed or stuck consumers after which a message is dead-lettered without another try.</summary>
    public int MaxDeliveries { get; set; } = 5;

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a message may stay unacknowledged with a consumer before another consumer reclaims it.</summary>
    public TimeSpan ClaimIdleTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Aggregates handled (consumer) or published (outbox relay) at the same time. Events of one
    /// aggregate (partition key) are always processed one after another, in order.
    /// </summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>Entries read per round.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Longest wait for new entries when no publish notification arrives.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often consumed streams are trimmed of entries every group has acknowledged.</summary>
    public TimeSpan TrimInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Outbox relay: idle wait between scans of the outbox.</summary>
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Outbox relay: lease of the relay lock, so one replica relays at a time and a dead one is replaced.</summary>
    public TimeSpan OutboxLease { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Published outbox rows older than this are deleted.</summary>
    public TimeSpan OutboxRetention { get; set; } = TimeSpan.FromHours(24);
}
