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
/// At least once: an entry is acknowledged only after its handler succeeded, or after it was parked for
/// a later retry or moved to the group's dead-letter stream (each atomically with the acknowledgement).
/// A failing handler gets <see cref="EventBusOptions.MaxAttempts"/> quick attempts with exponential
/// backoff and jitter; then the entry is parked in the group's retry set
/// (<see cref="RedisStreams.RetrySet"/>) and a second loop per topic hands it to the handler again at each
/// delay of <see cref="EventBusOptions.RetrySchedule"/> (minutes, by default); only when the schedule is
/// exhausted is it dead-lettered. Entries left pending by a crashed consumer are reclaimed (XAUTOCLAIM)
/// once idle for <see cref="EventBusOptions.ClaimIdleTime"/>, and so are parked entries whose retry was
/// claimed by a consumer that died. Within a batch, entries with different partition keys are handled
/// concurrently and entries with the same key one after another, so one consumer sees an aggregate's
/// events in stream order.
/// <para>
/// Ordering under failure: a parked entry does not hold back its partition. The aggregate's later
/// events are handled while it waits, so when its retry succeeds the handler sees it after them.
/// Handlers are idempotent and must tolerate that (Ordering's status handler, for one, applies a status
/// only if its sequence is higher than the last one applied); the alternative, stopping the aggregate
/// for up to the whole schedule, would stall a checkout for minutes behind one failed step.
/// </para>
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
    private readonly ConcurrentDictionary<string, bool> _subscribed = new(StringComparer.Ordinal);
    // Per topic: this consumer parked an entry, so its retry loop looks again at when the next one is due.
    private readonly ConcurrentDictionary<string, Channel<bool>> _parked = new(StringComparer.Ordinal);

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
            _parked[subscription.Topic] = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        }

        // Notifications published while a connection was down are lost: after a reconnect, look at once.
        redis.ConnectionRestored += WakeAll;

        logger.LogInformation("Consuming {Topics} as group {Group}, consumer {Consumer}",
            string.Join(", ", subscriptions.All.Select(s => s.Topic)), _options.ServiceName, ConsumerName);
        var subscribing = _wakeUps.Keys.Select(topic => SubscribeAsync(topic, stoppingToken)).ToList();
        try
        {
            await Task.WhenAll(subscriptions.All.SelectMany(s => new[]
            {
                ConsumeTopicAsync(s.Topic, stoppingToken),
                RetryParkedAsync(s.Topic, stoppingToken),
            }));
        }
        finally
        {
            redis.ConnectionRestored -= WakeAll;
            foreach (var subscription in subscribing)
            {
                if (await subscription is not { } notifications)
                {
                    continue;
                }

                try
                {
                    // Sent without waiting for the answer: the handler goes at once, and a stop while Redis is frozen
                    // must not wait a client timeout per topic for it (the connection goes with the process anyway).
                    await notifications.UnsubscribeAsync(CommandFlags.FireAndForget);
                }
                catch (Exception ex)
                {
                    logger.LogDebug(ex, "Could not unsubscribe from {Channel}", notifications.Channel);
                }
            }
        }
    }

    /// <summary>
    /// Subscribes to the topic's wake-up channel, trying again until it works: Redis may be down or frozen
    /// at start-up, and the consumer does not need it to work (it polls meanwhile). Once subscribed, the
    /// client renews the subscription by itself after a reconnect. Null if stopped first.
    /// </summary>
    private async Task<ChannelMessageQueue?> SubscribeAsync(string topic, CancellationToken stoppingToken)
    {
        var channel = RedisChannel.Literal(RedisStreams.NotifyChannel(topic));
        var wakeUp = _wakeUps[topic].Writer;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var notifications = await redis.GetSubscriber().SubscribeAsync(channel).WaitAsync(stoppingToken);
                notifications.OnMessage(_ => wakeUp.TryWrite(true));
                _subscribed[topic] = true;
                wakeUp.TryWrite(true); // anything published before the subscription was heard of
                return notifications;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not subscribe to {Channel}; consumers poll every {Interval} until it works",
                    channel, _options.PollInterval);
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
        var groupExists = false;

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var db = redis.GetDatabase();
                if (!groupExists)
                {
                    // Once, and again after any failure (the stream may have been deleted with its group).
                    await EnsureGroupAsync(db, stream, group).WaitAsync(stoppingToken);
                    groupExists = true;
                }

                if (DateTime.UtcNow >= nextClaim)
                {
                    await ReclaimAsync(db, topic, stream, group, retry, stoppingToken);
                    nextClaim = DateTime.UtcNow + _options.ClaimIdleTime / 2;
                }

                // Commands take no token: a stop stops waiting for the answer, or a frozen Redis would hold it a client timeout.
                var entries = await db.StreamReadGroupAsync(stream, group, ConsumerName, StreamPosition.NewMessages, _options.BatchSize)
                    .WaitAsync(stoppingToken);
                await HandleBatchAsync(db, topic, stream, group, entries, retry, stoppingToken);

                // A short batch read everything there was: wait for the next entry's notification (one
                // that came while the batch was handled is already waiting) rather than read again.
                if (entries.Length < _options.BatchSize)
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
                groupExists = false;
                logger.LogWarning(ex, "Could not consume {Topic}; retrying", topic);
                await Task.Delay(_options.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private Task WaitForEntriesAsync(string topic, CancellationToken stoppingToken) =>
        WaitAsync(_wakeUps[topic], _subscribed.ContainsKey(topic) ? _options.SubscribedPollInterval : _options.PollInterval, stoppingToken);

    /// <summary>Until <paramref name="signal"/> is set or <paramref name="timeout"/> has passed, whichever is first.</summary>
    private static async Task WaitAsync(Channel<bool> signal, TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timer.CancelAfter(timeout);
        try
        {
            await signal.Reader.ReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // Timed out without a signal: look anyway.
        }
    }

    private void WakeAll(object? sender, ConnectionFailedEventArgs e)
    {
        foreach (var wakeUp in _wakeUps.Values)
        {
            wakeUp.Writer.TryWrite(true);
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
                (long)_options.ClaimIdleTime.TotalMilliseconds, cursor, _options.BatchSize).WaitAsync(stoppingToken);
            foreach (var entry in claimed.ClaimedEntries)
            {
                var pending = await db.StreamPendingMessagesAsync(stream, group, 1, ConsumerName, entry.Id, entry.Id).WaitAsync(stoppingToken);
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
            var parked = new ParkedEntry(entry[RedisStreams.EventField].ToString(), entry.Id.ToString(), 0, attempts,
                $"{ex.GetType().Name}: {ex.Message}");
            var transaction = db.CreateTransaction();
            _ = transaction.StreamAcknowledgeAsync(stream, group, entry.Id);
            var dueIn = ParkOrDeadLetter(transaction, topic, group, parked, ex is UnhandledTopicException);
            await transaction.ExecuteAsync();
            Report(topic, group, parked, dueIn);
            return;
        }

        await db.StreamAcknowledgeAsync(stream, group, entry.Id);
        metrics.DeliveryDelay(topic, DateTimeOffset.UtcNow - cloudEvent.Time);
    }

    /// <summary>
    /// Hands parked entries to their handler again when due: one attempt per delay of the schedule. A due
    /// entry is claimed by moving its due time one <see cref="EventBusOptions.ClaimIdleTime"/> ahead (a
    /// lease: if this consumer dies, another one retries it then), so replicas never retry it together.
    /// </summary>
    private async Task RetryParkedAsync(string topic, CancellationToken stoppingToken)
    {
        var key = RedisStreams.RetrySet(topic, _options.ServiceName);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var db = redis.GetDatabase();
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var claimed = (RedisValue[]?)await db.ScriptEvaluateAsync(ClaimDueScript, [key],
                    [now, now + (long)_options.ClaimIdleTime.TotalMilliseconds, _options.BatchSize]).WaitAsync(stoppingToken) ?? [];
                if (claimed.Length > 0)
                {
                    await RetryBatchAsync(db, topic, key, claimed, stoppingToken);
                    continue;
                }

                // Nothing due: sleep until the earliest due entry, or until this consumer parks one. Entries
                // parked by another replica are that replica's to retry; if it dies, its claim lapses after
                // ClaimIdleTime, so looking at least that often is enough. Idle, one cheap look per ClaimIdleTime.
                var earliest = await db.SortedSetRangeByRankWithScoresAsync(key, 0, 0).WaitAsync(stoppingToken);
                var longest = _options.ClaimIdleTime.TotalMilliseconds;
                var wait = TimeSpan.FromMilliseconds(earliest.Length == 0 ? longest : Math.Clamp(earliest[0].Score - now, 0, longest));
                await WaitAsync(_parked[topic], wait, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Anything (a stall surfaces as RedisTimeoutException, a TimeoutException): parked entries
                // stay parked, claimed ones come due again when their lease ends.
                logger.LogWarning(ex, "Could not retry the parked entries of {Topic}; retrying", topic);
                await Task.Delay(_options.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private Task RetryBatchAsync(IDatabase db, string topic, RedisKey key, RedisValue[] claimed, CancellationToken stoppingToken)
    {
        var group = _options.ServiceName;
        var parsed = claimed.Select(member => (Member: member, Entry: ParkedEntry.TryParse(member))).ToArray();
        var partitions = parsed.GroupBy(p => p.Entry?.PartitionKey ?? p.Member.ToString());
        return Parallel.ForEachAsync(partitions,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = stoppingToken },
            async (partition, token) =>
            {
                foreach (var (member, parked) in partition)
                {
                    if (parked?.CloudEvent is not { } cloudEvent)
                    {
                        var transaction = db.CreateTransaction();
                        _ = transaction.SortedSetRemoveAsync(key, member);
                        AddDeadLetter(transaction, topic, group, member.ToString(), "Unreadable parked entry.", 0, "");
                        await transaction.ExecuteAsync();
                        metrics.DeadLettered(topic);
                        continue;
                    }

                    try
                    {
                        await dispatcher.DispatchAsync(cloudEvent, stoppingToken);
                    }
                    catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                    {
                        throw; // shutting down: the lease ends and a consumer retries it
                    }
                    catch (Exception ex)
                    {
                        var next = parked with { Retries = parked.Retries + 1, Attempts = parked.Attempts + 1, Reason = $"{ex.GetType().Name}: {ex.Message}" };
                        var transaction = db.CreateTransaction();
                        _ = transaction.SortedSetRemoveAsync(key, member);
                        var dueIn = ParkOrDeadLetter(transaction, topic, group, next, ex is UnhandledTopicException);
                        await transaction.ExecuteAsync();
                        Report(topic, group, next, dueIn);
                        continue;
                    }

                    await db.SortedSetRemoveAsync(key, member);
                    metrics.DeliveryDelay(topic, DateTimeOffset.UtcNow - cloudEvent.Time);
                    logger.LogInformation("Entry {EntryId} of {Topic} succeeded on scheduled retry {Retry}", parked.SourceId, topic, parked.Retries + 1);
                }
            });
    }

    /// <summary>
    /// In <paramref name="transaction"/>: parks the entry for its next scheduled retry, or dead-letters it
    /// when the schedule is exhausted (or retrying is pointless).
    /// </summary>
    /// <returns>The delay until the retry; null when dead-lettered.</returns>
    private TimeSpan? ParkOrDeadLetter(ITransaction transaction, string topic, string group, ParkedEntry parked, bool hopeless)
    {
        var delays = _options.RetryDelays();
        if (hopeless || parked.Retries >= delays.Count)
        {
            AddDeadLetter(transaction, topic, group, parked.Event, parked.Reason, parked.Attempts, parked.SourceId);
            return null;
        }

        var delay = delays[parked.Retries];
        _ = transaction.SortedSetAddAsync(RedisStreams.RetrySet(topic, group), parked.ToJson(),
            (DateTimeOffset.UtcNow + delay).ToUnixTimeMilliseconds());
        return delay;
    }

    private void Report(string topic, string group, ParkedEntry parked, TimeSpan? dueIn)
    {
        if (dueIn is { } delay)
        {
            _parked[topic].Writer.TryWrite(true);
            metrics.Retried(topic);
            logger.LogWarning("Entry {EntryId} of {Topic} failed {Attempts} times ({Reason}); retry {Retry} of {Retries} in {Delay}",
                parked.SourceId, topic, parked.Attempts, parked.Reason, parked.Retries + 1, _options.RetryDelays().Count, delay);
            return;
        }

        metrics.DeadLettered(topic);
        logger.LogError("Dead-lettered entry {EntryId} of {Topic} for group {Group} after {Attempts} attempts: {Reason}",
            parked.SourceId, topic, group, parked.Attempts, parked.Reason);
    }

    /// <summary>
    /// Claims up to ARGV[3] members due by ARGV[1] (Unix ms) by moving their due time to ARGV[2], atomically,
    /// so that two consumers never claim the same one.
    /// </summary>
    private const string ClaimDueScript = """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        for _, member in ipairs(due) do
            redis.call('ZADD', KEYS[1], 'XX', ARGV[2], member)
        end
        return due
        """;

    /// <summary>Moves an entry to the group's dead-letter stream and acknowledges it, in one transaction.</summary>
    private async Task DeadLetterAsync(IDatabase db, string topic, RedisKey stream, string group, StreamEntry entry, string reason, int attempts)
    {
        var transaction = db.CreateTransaction();
        AddDeadLetter(transaction, topic, group, entry[RedisStreams.EventField].ToString(), reason, attempts, entry.Id.ToString());
        _ = transaction.StreamAcknowledgeAsync(stream, group, entry.Id);
        await transaction.ExecuteAsync();
        metrics.DeadLettered(topic);
        logger.LogError("Dead-lettered entry {EntryId} of {Topic} for group {Group} after {Attempts} attempts: {Reason}",
            entry.Id, topic, group, attempts, reason);
    }

    private static void AddDeadLetter(ITransaction transaction, string topic, string group, string cloudEvent, string reason, int attempts, string sourceId) =>
        _ = transaction.StreamAddAsync(RedisStreams.DeadLetterStream(topic, group),
        [
            new NameValueEntry(RedisStreams.EventField, cloudEvent),
            new NameValueEntry("reason", reason),
            new NameValueEntry("attempts", attempts),
            new NameValueEntry("sourceId", sourceId),
            new NameValueEntry("failedAt", DateTimeOffset.UtcNow.ToString("O")),
        ]);

    private ResiliencePipeline RetryPipeline(string topic) => _options.MaxAttempts <= 1 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException and not UnhandledTopicException),
            MaxRetryAttempts = _options.MaxAttempts - 1,
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

/// <summary>An entry waiting in a retry set: the CloudEvent as JSON, the stream entry it came from, retries done so far.</summary>
internal sealed record ParkedEntry(string Event, string SourceId, int Retries, int Attempts, string Reason)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public CloudEvent? CloudEvent { get; private init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public string? PartitionKey => CloudEvent?.PartitionKey;

    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, EventBus.CloudEvent.SerializerOptions);

    public static ParkedEntry? TryParse(RedisValue member)
    {
        try
        {
            var parked = System.Text.Json.JsonSerializer.Deserialize<ParkedEntry>(member.ToString(), EventBus.CloudEvent.SerializerOptions);
            return parked is null ? null : parked with { CloudEvent = EventBus.CloudEvent.FromJson(parked.Event) };
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
