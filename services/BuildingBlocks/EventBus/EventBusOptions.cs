using System.Globalization;

namespace BuildingBlocks.EventBus;

/// <summary>Settings of the event backbone (configuration section "EventBus").</summary>
public sealed class EventBusOptions
{
    public const string SectionName = "EventBus";

    /// <summary>This service's name: the CloudEvent source and its consumer group. Defaults to the application name.</summary>
    public string ServiceName { get; set; } = "";

    /// <summary>
    /// Quick handler attempts per delivery, in process, with exponential backoff and jitter
    /// (<see cref="RetryBaseDelay"/> to <see cref="RetryMaxDelay"/>). When they fail the entry is parked
    /// for the <see cref="RetrySchedule"/>, and dead-lettered only once that is exhausted too.
    /// </summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Delays of the later retries, each a single attempt, spread over minutes so that a dependency that is
    /// down for a while does not send the message to the dead letters: a comma-separated list of
    /// <see cref="TimeSpan"/>s ("00:00:05") or of numbers with a unit (ms, s, m, h). Empty: dead-letter
    /// right after the quick attempts. While an entry waits, its stream and its other partitions flow on.
    /// </summary>
    public string RetrySchedule { get; set; } = "1s, 5s, 30s, 2m, 10m";

    /// <summary>How often the dead letters are handed to their handler again, automatically (native bus).</summary>
    public TimeSpan DeadLetterReplayInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Automatic replays of one dead letter after which it is left in the dead-letter stream for a human.</summary>
    public int MaxDeadLetterReplays { get; set; } = 12;

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

    /// <summary>
    /// Longest wait for new entries while the topic's wake-up subscription is not up (yet), and the pause
    /// after a failed round.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest wait for new entries while the topic's wake-up subscription is up. Every publish wakes the
    /// consumer at once; this look only catches a notification that was lost, so an idle consumer stays idle.
    /// </summary>
    public TimeSpan SubscribedPollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often consumed streams are trimmed of entries every group has acknowledged.</summary>
    public TimeSpan TrimInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Outbox relay: safety scan while its database notification listener is up (a commit to the outbox
    /// wakes it at once through PostgreSQL LISTEN/NOTIFY), so an idle relay stays idle. Also how often the
    /// listener's connection is checked while no notification comes. A failed round is retried sooner.
    /// </summary>
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Outbox relay: scan interval while the notification listener is disconnected and reconnecting.</summary>
    public TimeSpan OutboxDisconnectedPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Outbox relay: lease of the relay lock, so one replica relays at a time and a dead one is replaced.</summary>
    public TimeSpan OutboxLease { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Published outbox rows older than this are deleted.</summary>
    public TimeSpan OutboxRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The parsed <see cref="RetrySchedule"/>.</summary>
    /// <exception cref="FormatException">An item is neither a TimeSpan nor a number with a unit.</exception>
    public IReadOnlyList<TimeSpan> RetryDelays() => ParseDelays(RetrySchedule);

    internal static TimeSpan[] ParseDelays(string? schedule) =>
        [.. (schedule ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseDelay)];

    private static TimeSpan ParseDelay(string item)
    {
        (string Suffix, Func<double, TimeSpan> Make)[] units =
            [("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes), ("h", TimeSpan.FromHours)];
        foreach (var (suffix, make) in units)
        {
            if (item.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(item[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0)
            {
                return make(value);
            }
        }

        return TimeSpan.TryParse(item, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero
            ? span
            : throw new FormatException($"EventBus:RetrySchedule: '{item}' is not a delay (use 00:00:05 or 5s, 250ms, 2m, 1h).");
    }
}
