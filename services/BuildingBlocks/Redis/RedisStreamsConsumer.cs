using System.Collections.Concurrent;
using System.Threading.Channels;
using BuildingBlocks.EventBus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using StackExchange.Redis;

namespace BuildingBlocks.Redis;

/// <summary>
/// Native consumer: one Redis Streams consumer group per subscribing service, one loop per topic.
/// At least once: an entry is acknowledged only after its handler succeeded, or after it was moved to
/// the group's dead-letter stream (atomically with the acknowledgement). A failing handler is retried
/// with exponential backoff and jitter; entries left pending by a crashed consumer are reclaimed
/// (XAUTOCLAIM) once idle for <see cref="EventBusOptions.ClaimIdleTime"/>. Within a batch, entries with
/// different partition keys are handled concurrently and entries with the same key one after another,
/// so one consumer sees an aggregate's events in stream order.
/// </summary>
internal sealed class RedisStreamsConsumer(
    IConnectionMultiplexer redis,
    EventSubscriptions subscriptions,
    EventDispatcher dispatcher,
    EventBusMetrics metrics,
    IOptions<EventBusOptions> options,
    ILogger<RedisStreamsConsumer> logger) : BackgroundService
{
    private readonly EventBusOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Channel<bool>> _wakeUps = new(StringComparer.Ordinal);

    /// <summary>Unique per process: a restarted process never owns its predecessor's pending entries.</summary>
    public string ConsumerName { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (subscriptions.All.Count == 0)
        {
            return;
        }

        foreach (var subscription in subscriptions.All)
        {
            _wakeUps[subscription.Topic] = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        }

        var notifications = await SubscribeToNotificationsAsync(stoppingToken);
        if (notifications is null)
        {
            return; // stopping
        }

        notifications.OnMessage(message =>
        {
            if (_wakeUps.TryGetValue(message.Message.ToString(), out var wakeUp))
            {
                wakeUp.Writer.TryWrite(true);
            }
        });

        logger.LogInformation("Consuming {Topics} as group {Group}, consumer {Consumer}",
            string.Join(", ", subscriptions.All.Select(s => s.Topic)), _options.ServiceName, ConsumerName);
        try
        {
            await Task.WhenAll(subscriptions.All.Select(s => ConsumeTopicAsync(s.Topic, stoppingToken)));
        }
        finally
        {
            await notifications.UnsubscribeAsync();
        }
    }

    /// <summary>
    /// Subscribes to the publishers' wake-up channel, retrying while Redis is away or frozen: a loop that
    /// throws here would end before consuming anything.
    /// </summary>
    private async Task<ChannelMessageQueue?> SubscribeToNotificationsAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                return await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisStreams.NotifyChannel));
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not subscribe to the event notifications; retrying");
                await Task.Delay(_options.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        return null;
    }

    private async Task ConsumeTopicAsync(string topic, CancellationToken stoppingToken)
    {
        var stream = RedisStreams.Stream(topic);
        var group = _options.ServiceName;
        var retry = RetryPipeline(topic);
        var nextClaim = DateTime.UtcNow;

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var db = redis.GetDatabase();
                await EnsureGroupAsync(db, stream, group);

                if (DateTime.UtcNow >= nextClaim)
                {
                    await ReclaimAsync(db, topic, stream, group, retry, stoppingToken);
                    nextClaim = DateTime.UtcNow + _options.ClaimIdleTime / 2;
                }

                var entries = await db.StreamReadGroupAsync(stream, group, ConsumerName, StreamPosition.NewMessages, _options.BatchSize);
                await HandleBatchAsync(db, topic, stream, group, entries, retry, stoppingToken);

                if (entries.Length == 0)
                {
                    await WaitForEntriesAsync(topic, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Broker outage or stall (a RedisTimeoutException is a TimeoutException, not a RedisException),
                // or anything else: the loop must outlive it. The entries stay pending or unread; try again shortly.
                logger.LogWarning(ex, "Could not consume {Topic}; retrying", topic);
                await Task.Delay(_options.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task WaitForEntriesAsync(string topic, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(_options.PollInterval);
        try
        {
            await _wakeUps[topic].Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // Poll interval elapsed without a notification: look anyway.
        }
    }

    private static async Task EnsureGroupAsync(IDatabase db, RedisKey stream, string group)
    {
        try
        {
            // From the beginning: a new subscriber receives what the stream still holds.
            await db.StreamCreateConsumerGroupAsync(stream, group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>Takes over entries another consumer left unacknowledged for too long (it crashed or hangs).</summary>
    private async Task ReclaimAsync(IDatabase db, string topic, RedisKey stream, string group,
        ResiliencePipeline retry, CancellationToken stoppingToken)
    {
        RedisValue cursor = "0-0";
        do
        {
            var claimed = await db.StreamAutoClaimAsync(stream, group, ConsumerName,
                (long)_options.ClaimIdleTime.TotalMilliseconds, cursor, _options.BatchSize);
            foreach (var entry in claimed.ClaimedEntries)
            {
                var pending = await db.StreamPendingMessagesAsync(stream, group, 1, ConsumerName, entry.Id, entry.Id);
                var deliveries = pending.Length > 0 ? pending[0].DeliveryCount : 1;
                if (deliveries > _options.MaxDeliveries)
                {
                    await DeadLetterAsync(db, topic, stream, group, entry,
                        $"Delivered {deliveries - 1} times without being acknowledged (consumers crashed or timed out).", deliveries - 1);
                    continue;
                }

                logger.LogInformation("Reclaimed entry {EntryId} of {Topic} (delivery {Delivery})", entry.Id, topic, deliveries);
                await HandleAsync(db, topic, stream, group, entry, TryParse(entry), retry, stoppingToken);
            }

            cursor = claimed.NextStartId;
        }
        while (cursor != "0-0" && !stoppingToken.IsCancellationRequested);
    }

    private Task HandleBatchAsync(IDatabase db, string topic, RedisKey stream, string group, StreamEntry[] entries,
        ResiliencePipeline retry, CancellationToken stoppingToken)
    {
        if (entries.Length == 0)
        {
            return Task.CompletedTask;
        }

        var parsed = entries.Select(entry => (Entry: entry, Event: TryParse(entry))).ToArray();
        var partitions = parsed.GroupBy(p => p.Event?.PartitionKey ?? p.Entry.Id.ToString());
        return Parallel.ForEachAsync(partitions,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = stoppingToken },
            async (partition, _) =>
            {
                foreach (var (entry, cloudEvent) in partition)
                {
                    await HandleAsync(db, topic, stream, group, entry, cloudEvent, retry, stoppingToken);
                }
            });
    }

    private static CloudEvent? TryParse(StreamEntry entry)
    {
        try
        {
            return CloudEvent.FromJson(entry[RedisStreams.EventField].ToString());
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private async Task HandleAsync(IDatabase db, string topic, RedisKey stream, string group, StreamEntry entry,
        CloudEvent? cloudEvent, ResiliencePipeline retry, CancellationToken stoppingToken)
    {
        if (cloudEvent is null)
        {
            await DeadLetterAsync(db, topic, stream, group, entry, "Unreadable CloudEvent.", 0);
            return;
        }

        var attempts = 0;
        try
        {
            await retry.ExecuteAsync(async token =>
            {
                attempts++;
                await dispatcher.DispatchAsync(cloudEvent, token);
            }, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw; // shutting down: leave it pending, a consumer will reclaim it
        }
        catch (Exception ex)
        {
            await DeadLetterAsync(db, topic, stream, group, entry, $"{ex.GetType().Name}: {ex.Message}", attempts);
            return;
        }

        await db.StreamAcknowledgeAsync(stream, group, entry.Id);
        metrics.DeliveryDelay(topic, DateTimeOffset.UtcNow - cloudEvent.Time);
    }

    /// <summary>Moves an entry to the group's dead-letter stream and acknowledges it, in one transaction.</summary>
    private async Task DeadLetterAsync(IDatabase db, string topic, RedisKey stream, string group, StreamEntry entry, string reason, int attempts)
    {
        var transaction = db.CreateTransaction();
        _ = transaction.StreamAddAsync(RedisStreams.DeadLetterStream(topic, group),
        [
            new NameValueEntry(RedisStreams.EventField, entry[RedisStreams.EventField]),
            new NameValueEntry("reason", reason),
            new NameValueEntry("attempts", attempts),
            new NameValueEntry("sourceId", entry.Id),
            new NameValueEntry("failedAt", DateTimeOffset.UtcNow.ToString("O")),
        ]);
        _ = transaction.StreamAcknowledgeAsync(stream, group, entry.Id);
        await transaction.ExecuteAsync();
        metrics.DeadLettered(topic);
        logger.LogError("Dead-lettered entry {EntryId} of {Topic} for group {Group} after {Attempts} attempts: {Reason}",
            entry.Id, topic, group, attempts, reason);
    }

    private ResiliencePipeline RetryPipeline(string topic) => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException and not UnhandledTopicException),
            MaxRetryAttempts = Math.Max(0, _options.MaxAttempts - 1),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = _options.RetryBaseDelay,
            MaxDelay = _options.RetryMaxDelay,
            OnRetry = _ =>
            {
                metrics.Retried(topic);
                return ValueTask.CompletedTask;
            },
        })
        .Build();
}
