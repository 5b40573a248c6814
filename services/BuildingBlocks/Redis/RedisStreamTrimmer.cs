using BuildingBlocks.EventBus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BuildingBlocks.Redis;

/// <summary>
/// Keeps the consumed streams bounded without losing anything: an entry is removed only once every
/// consumer group of the stream has had it delivered and acknowledged (XTRIM MINID below the oldest
/// entry any group still needs). A stream without groups is left alone: nobody has read it yet.
/// Also reports each group's lag.
/// </summary>
internal sealed class RedisStreamTrimmer(
    IConnectionMultiplexer redis,
    EventSubscriptions subscriptions,
    EventBusMetrics metrics,
    IOptions<EventBusOptions> options,
    ILogger<RedisStreamTrimmer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.TrimInterval);
        try
        {
            do
            {
                foreach (var subscription in subscriptions.All)
                {
                    try
                    {
                        // The client takes no token: a stop stops waiting, or a frozen Redis would hold it a client timeout.
                        await TrimAsync(redis.GetDatabase(), subscription.Topic).WaitAsync(stoppingToken);
                    }
                    catch (Exception ex)
                    {
                        if (stoppingToken.IsCancellationRequested)
                        {
                            return; // stopping while Redis stalls: nothing to report
                        }

                        // Any failure, a stall's timeout included: trimming waits for the next tick, the host lives on.
                        logger.LogWarning(ex, "Could not trim the stream of {Topic}", subscription.Topic);
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <returns>The number of entries removed.</returns>
    internal async Task<long> TrimAsync(IDatabase db, string topic)
    {
        var stream = RedisStreams.Stream(topic);
        if (!await db.KeyExistsAsync(stream))
        {
            return 0;
        }

        var groups = await db.StreamGroupInfoAsync(stream);
        if (groups.Length == 0)
        {
            return 0;
        }

        StreamId? keepFrom = null;
        foreach (var group in groups)
        {
            if (group.Lag is { } lag)
            {
                metrics.ConsumerLag(topic, group.Name, lag);
            }

            // The oldest entry this group still needs: its oldest pending one, else the next undelivered one.
            var needed = StreamId.Parse(group.LastDeliveredId).Next();
            if (group.PendingMessageCount > 0)
            {
                var pending = await db.StreamPendingAsync(stream, group.Name);
                needed = StreamId.Parse(pending.LowestPendingMessageId.ToString());
            }

            keepFrom = keepFrom is null || needed < keepFrom.Value ? needed : keepFrom;
        }

        var removed = (long)await db.ExecuteAsync("XTRIM", stream, "MINID", keepFrom!.Value.ToString());
        return removed;
    }
}

/// <summary>A stream entry id (milliseconds-sequence), ordered as Redis orders them.</summary>
internal readonly record struct StreamId(ulong Milliseconds, ulong Sequence) : IComparable<StreamId>
{
    public static StreamId Parse(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return new(0, 0);
        }

        var dash = id.IndexOf('-');
        return dash < 0
            ? new(ulong.Parse(id), 0)
            : new(ulong.Parse(id[..dash]), ulong.Parse(id[(dash + 1)..]));
    }

    public StreamId Next() => Sequence == ulong.MaxValue ? new(Milliseconds + 1, 0) : new(Milliseconds, Sequence + 1);

    public int CompareTo(StreamId other) =>
        Milliseconds != other.Milliseconds ? Milliseconds.CompareTo(other.Milliseconds) : Sequence.CompareTo(other.Sequence);

    public static bool operator <(StreamId left, StreamId right) => left.CompareTo(right) < 0;

    public static bool operator >(StreamId left, StreamId right) => left.CompareTo(right) > 0;

    public override string ToString() => $"{Milliseconds}-{Sequence}";
}
