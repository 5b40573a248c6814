using BuildingBlocks.EventBus;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BuildingBlocks.Redis;

/// <summary>A message this service gave up on, with why.</summary>
public sealed record DeadLetter(string Id, string Topic, string Reason, int Attempts, string FailedAt, CloudEvent? Event);

/// <summary>What a replay did.</summary>
public sealed record ReplayResult(int Replayed, int Failed);

/// <summary>
/// Lists and replays this service's dead letters (native bus). Replay hands each message to its
/// handler again; a message that now succeeds leaves the dead-letter stream, one that fails stays.
/// </summary>
public sealed class RedisDeadLetters(IConnectionMultiplexer redis, EventDispatcher dispatcher, IOptions<EventBusOptions> options)
{
    private string Group => options.Value.ServiceName;

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(string topic, int count = 100)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(RedisStreams.DeadLetterStream(topic, Group), count: count);
        return [.. entries.Select(entry => ToDeadLetter(topic, entry))];
    }

    public async Task<ReplayResult> ReplayAsync(string topic, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var key = RedisStreams.DeadLetterStream(topic, Group);
        int replayed = 0, failed = 0;
        foreach (var entry in await db.StreamRangeAsync(key))
        {
            var letter = ToDeadLetter(topic, entry);
            if (letter.Event is null)
            {
                failed++;
                continue;
            }

            try
            {
                await dispatcher.DispatchAsync(letter.Event, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed++;
                continue;
            }

            await db.StreamDeleteAsync(key, [entry.Id]);
            replayed++;
        }

        return new ReplayResult(replayed, failed);
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

        return new DeadLetter(entry.Id.ToString(), topic, entry["reason"].ToString(), (int)entry["attempts"], entry["failedAt"].ToString(), cloudEvent);
    }
}
