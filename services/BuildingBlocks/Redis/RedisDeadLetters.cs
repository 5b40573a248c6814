using BuildingBlocks.EventBus;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BuildingBlocks.Redis;

/// <summary>A message this service gave up on, with why, and how often it has been replayed since.</summary>
public sealed record DeadLetter(string Id, string Topic, string Reason, int Attempts, string FailedAt, CloudEvent? Event, int Replays = 0);

/// <summary>What a replay did: letters delivered (and removed), failed again (back in the stream, counted), and left for a human.</summary>
public sealed record ReplayResult(int Replayed, int Failed, int LeftForHuman = 0);

/// <summary>
/// Lists and replays this service's dead letters (native bus). Replay hands each message to its handler
/// again: one that now succeeds leaves the dead-letter stream; one that fails goes back to the end of the
/// stream with its replay count raised and the new reason. <see cref="RedisDeadLetterReplayer"/> replays
/// on a schedule, but only letters replayed fewer than <see cref="EventBusOptions.MaxDeadLetterReplays"/>
/// times: the rest stay for a human, who can still replay them by hand (the replay route replays every letter).
/// </summary>
public sealed class RedisDeadLetters(
    IConnectionMultiplexer redis,
    EventDispatcher dispatcher,
    IOptions<EventBusOptions> options,
    ILogger<RedisDeadLetters> logger)
{
    private const int PageSize = 100;

    private string Group => options.Value.ServiceName;

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(string topic, int count = 100)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(RedisStreams.DeadLetterStream(topic, Group), count: count);
        return [.. entries.Select(entry => ToDeadLetter(topic, entry))];
    }

    /// <summary>Replays every dead letter of <paramref name="topic"/> (by hand: none is left out).</summary>
    public Task<ReplayResult> ReplayAsync(string topic, CancellationToken cancellationToken) =>
        ReplayAsync(topic, maxReplays: null, cancellationToken);

    /// <summary>
    /// Replays the letters present when the round starts (a letter that fails goes back behind them and
    /// waits for the next round), skipping those already replayed <paramref name="maxReplays"/> times.
    /// </summary>
    public async Task<ReplayResult> ReplayAsync(string topic, int? maxReplays, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var key = RedisStreams.DeadLetterStream(topic, Group);
        var last = await db.StreamRangeAsync(key, count: 1, messageOrder: Order.Descending);
        if (last.Length == 0)
        {
            return new ReplayResult(0, 0);
        }

        var end = last[0].Id;
        int replayed = 0, failed = 0, leftForHuman = 0;
        RedisValue from = "-";
        while (!cancellationToken.IsCancellationRequested)
        {
            var page = await db.StreamRangeAsync(key, from, end, PageSize);
            foreach (var entry in page)
            {
                var letter = ToDeadLetter(topic, entry);
                if (letter.Event is null || (maxReplays is { } max && letter.Replays >= max))
                {
                    leftForHuman++;
                    continue;
                }

                try
                {
                    await dispatcher.DispatchAsync(letter.Event, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    await RequeueAsync(db, key, entry, letter, $"{ex.GetType().Name}: {ex.Message}");
                    failed++;
                    continue;
                }

                await db.StreamDeleteAsync(key, [entry.Id]);
                replayed++;
            }

            if (page.Length < PageSize)
            {
                break;
            }

            from = "(" + page[^1].Id;
        }

        if (replayed + failed + leftForHuman > 0)
        {
            logger.LogInformation(
                "Replayed dead letters of {Topic} for group {Group}: {Replayed} delivered, {Failed} failed again, {LeftForHuman} left for a human",
                topic, Group, replayed, failed, leftForHuman);
        }

        return new ReplayResult(replayed, failed, leftForHuman);
    }

    /// <summary>Puts a letter that failed again at the end of the stream with its count raised, atomically.</summary>
    private static async Task RequeueAsync(IDatabase db, RedisKey key, StreamEntry entry, DeadLetter letter, string reason)
    {
        var transaction = db.CreateTransaction();
        _ = transaction.StreamAddAsync(key,
        [
            new NameValueEntry(RedisStreams.EventField, entry[RedisStreams.EventField]),
            new NameValueEntry("reason", reason[..Math.Min(reason.Length, 2000)]),
            new NameValueEntry("attempts", letter.Attempts + 1),
            new NameValueEntry("sourceId", entry["sourceId"]),
            new NameValueEntry("failedAt", DateTimeOffset.UtcNow.ToString("O")),
            new NameValueEntry("replays", letter.Replays + 1),
        ]);
        _ = transaction.StreamDeleteAsync(key, [entry.Id]);
        await transaction.ExecuteAsync();
    }

    private static DeadLetter ToDeadLetter(string topic, StreamEntry entry)
    {
        CloudEvent? cloudEvent = null;
        try
        {
            cloudEvent = CloudEvent.FromJson(entry[RedisStreams.EventField].ToString());
        }
        catch (System.Text.Json.JsonException)
        {
        }

        var replays = entry["replays"];
        return new DeadLetter(entry.Id.ToString(), topic, entry["reason"].ToString(), (int)entry["attempts"], entry["failedAt"].ToString(),
            cloudEvent, replays.IsNull ? 0 : (int)replays);
    }
}
