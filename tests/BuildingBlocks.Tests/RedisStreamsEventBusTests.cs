using System.Diagnostics;
using BuildingBlocks.EventBus;
using BuildingBlocks.Redis;
using BuildingBlocks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using TestSupport;

namespace BuildingBlocks.Tests;

/// <summary>The native event bus on a real Redis: delivery, order, retries, dead letters, reclaim, trimming, tracing.</summary>
[Collection(LocalServersCollection.Name)]
public sealed class RedisStreamsEventBusTests(LocalServers servers) : IAsyncLifetime
{
    private readonly List<IHost> _hosts = [];
    private readonly HandlerProbe _probe = new();
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(servers.RedisConnectionString);

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }

        await _redis.DisposeAsync();
    }

    private async Task<IHost> StartConsumerAsync<TEvent>(string group, Dictionary<string, string?>? settings = null)
        where TEvent : TestEvent
    {
        var host = await BusHost.StartAsync(servers, group,
            bus => bus.Subscribe<TEvent, ProbeHandler<TEvent>>(),
            services => services.AddSingleton(_probe),
            settings);
        _hosts.Add(host);
        return host;
    }

    private static Task PublishAsync(IHost host, TestEvent @event, string? partitionKey = null) =>
        host.Services.GetRequiredService<IEventPublisher>().PublishAsync(CloudEvent.Create(@event, "tests", partitionKey), CancellationToken.None);

    private static string Group() => $"g{Guid.NewGuid():N}"[..12];

    private async Task<long> PendingAsync(string topic, string group) =>
        (await _redis.GetDatabase().StreamPendingAsync(RedisStreams.Stream(topic), group)).PendingMessageCount;

    [Fact]
    public async Task A_published_event_reaches_its_handler_once_and_is_acknowledged()
    {
        var group = Group();
        var host = await StartConsumerAsync<PublishedEvent>(group);
        var sent = new PublishedEvent("cart-1", 42);

        await PublishAsync(host, sent);

        await Eventually.TrueAsync(() => _probe.Handled.Count == 1, "the event to be handled");
        Assert.Equal(sent, _probe.Handled.Single().Event);
        await Eventually.TrueAsync(async () => await PendingAsync("test.publish", group) == 0, "the entry to be acknowledged");
    }

    [Fact]
    public async Task Events_of_one_aggregate_are_handled_in_the_order_they_were_published()
    {
        var host = await StartConsumerAsync<OrderedEvent>(Group());

        for (var i = 0; i < 60; i++)
        {
            await PublishAsync(host, new OrderedEvent(i % 2 == 0 ? "order-a" : "order-b", i), i % 2 == 0 ? "order-a" : "order-b");
        }

        await Eventually.TrueAsync(() => _probe.Handled.Count == 60, "all 60 events to be handled");
        foreach (var aggregate in new[] { "order-a", "order-b" })
        {
            var numbers = _probe.Handled.Where(h => h.Event.Aggregate == aggregate).Select(h => h.Event.Number).ToArray();
            Assert.Equal(numbers.Order(), numbers);
            Assert.Equal(30, numbers.Length);
        }
    }

    [Fact]
    public async Task A_failing_handler_is_retried_with_backoff_until_it_succeeds()
    {
        _probe.Fail = (_, attempt) => attempt <= 2;
        var group = Group();
        var host = await StartConsumerAsync<RetriedEvent>(group);
        var sent = new RetriedEvent("cart-9", 1);

        await PublishAsync(host, sent);

        await Eventually.TrueAsync(() => _probe.Handled.Count == 1, "the event to succeed on its third attempt");
        Assert.Equal(3, _probe.Attempts[sent.Id]);
        await Eventually.TrueAsync(async () => await PendingAsync("test.retry", group) == 0, "the entry to be acknowledged");
        Assert.Equal(0, await _redis.GetDatabase().StreamLengthAsync(RedisStreams.DeadLetterStream("test.retry", group)));
    }

    [Fact]
    public async Task A_poison_message_is_dead_lettered_with_its_reason_after_N_attempts_and_replay_delivers_it()
    {
        _probe.Fail = (_, _) => true;
        var group = Group();
        var host = await StartConsumerAsync<PoisonEvent>(group, new() { ["EventBus:MaxAttempts"] = "3", ["EventBus:RetrySchedule"] = "" });
        var sent = new PoisonEvent("cart-13", 13);

        await PublishAsync(host, sent);

        var deadLetters = host.Services.GetRequiredService<RedisDeadLetters>();
        await Eventually.TrueAsync(async () => (await deadLetters.ListAsync("test.poison")).Count == 1, "the message to be dead-lettered");
        var letter = (await deadLetters.ListAsync("test.poison")).Single();
        Assert.Equal(sent.Id.ToString(), letter.Event!.Id);
        Assert.Equal(3, letter.Attempts);
        Assert.Contains("handler failure on attempt 3", letter.Reason);
        Assert.Equal(0, await PendingAsync("test.poison", group));
        Assert.Empty(_probe.Handled);

        _probe.Fail = (_, _) => false; // the bug is fixed
        var result = await deadLetters.ReplayAsync("test.poison", CancellationToken.None);

        Assert.Equal(new ReplayResult(1, 0), result);
        Assert.Equal(sent, _probe.Handled.Single().Event);
        Assert.Empty(await deadLetters.ListAsync("test.poison"));
    }

    [Fact]
    public async Task A_handler_failing_past_its_quick_attempts_is_parked_and_retried_on_the_schedule_while_other_partitions_flow()
    {
        var recovered = false;
        _probe.Fail = (e, _) => e.Number == 1 && !Volatile.Read(ref recovered);
        var group = Group();
        // Two quick attempts, then scheduled retries: four quick ones, then a span long enough that the
        // test's own steps never exhaust it (about 30 s).
        var host = await StartConsumerAsync<ScheduledRetryEvent>(group, new()
        {
            ["EventBus:MaxAttempts"] = "2",
            ["EventBus:RetrySchedule"] = string.Join(", ", Enumerable.Repeat("100ms", 4).Concat(Enumerable.Repeat("2s", 15))),
        });
        var failing = new ScheduledRetryEvent("stuck", 1);

        await PublishAsync(host, failing, "stuck");

        // Past its quick attempts and retried from the retry set at least once: parked, not dead-lettered.
        await Eventually.TrueAsync(() => _probe.Attempts.GetValueOrDefault(failing.Id) >= 3, "a scheduled retry of the failing entry");
        Assert.Equal(0, await PendingAsync("test.retry-schedule", group));
        var deadLetters = RedisStreams.DeadLetterStream("test.retry-schedule", group);
        Assert.Equal(0, await _redis.GetDatabase().StreamLengthAsync(deadLetters));

        // The stream flows on meanwhile: other aggregates, and later events of the same one.
        var others = Enumerable.Range(0, 5).Select(i => new ScheduledRetryEvent($"flowing-{i}", 10 + i)).Append(new ScheduledRetryEvent("stuck", 2)).ToArray();
        foreach (var other in others)
        {
            await PublishAsync(host, other, other.Aggregate);
        }

        await Eventually.TrueAsync(() => others.All(o => _probe.Handled.Any(h => h.Event == o)), "the other events to be handled while one waits");
        Assert.DoesNotContain(_probe.Handled, h => h.Event == failing);

        Volatile.Write(ref recovered, true); // the dependency is back
        await Eventually.TrueAsync(() => _probe.Handled.Any(h => h.Event == failing), "the parked entry to succeed on a later scheduled retry");
        Assert.Equal(0, await _redis.GetDatabase().StreamLengthAsync(deadLetters));
        await Eventually.TrueAsync(async () => await _redis.GetDatabase().SortedSetLengthAsync(RedisStreams.RetrySet("test.retry-schedule", group)) == 0,
            "the retry set to be empty");
        Assert.Single(_probe.Handled, h => h.Event == failing);
    }

    [Fact]
    public async Task An_entry_is_dead_lettered_only_once_its_quick_attempts_and_the_whole_schedule_are_exhausted()
    {
        _probe.Fail = (_, _) => true;
        var group = Group();
        var host = await StartConsumerAsync<ExhaustedRetryEvent>(group, new()
        {
            ["EventBus:MaxAttempts"] = "2",
            ["EventBus:RetrySchedule"] = "100ms, 00:00:00.2",
        });
        var sent = new ExhaustedRetryEvent("doomed", 1);

        await PublishAsync(host, sent, "doomed");

        var deadLetters = host.Services.GetRequiredService<RedisDeadLetters>();
        var letter = await Eventually.UntilAsync(async () => (await deadLetters.ListAsync("test.retry-exhausted")).SingleOrDefault(),
            l => l is not null, TimeSpan.FromSeconds(30), "the entry to be dead-lettered");
        // Two quick attempts and one per delay of the schedule, no more, no fewer.
        Assert.Equal(4, letter!.Attempts);
        Assert.Equal(4, _probe.Attempts[sent.Id]);
        Assert.Contains("handler failure on attempt 4", letter.Reason);
        Assert.Equal(0, await _redis.GetDatabase().SortedSetLengthAsync(RedisStreams.RetrySet("test.retry-exhausted", group)));
    }

    [Fact]
    public async Task A_dead_letter_is_replayed_automatically_once_its_handler_works_again()
    {
        var fixedAt = false;
        _probe.Fail = (_, _) => !Volatile.Read(ref fixedAt);
        var group = Group();
        var host = await StartConsumerAsync<ReplayedEvent>(group, new()
        {
            ["EventBus:MaxAttempts"] = "1",
            ["EventBus:RetrySchedule"] = "",
            ["EventBus:DeadLetterReplayInterval"] = "00:00:00.300",
        });
        var sent = new ReplayedEvent("replayed", 1);

        await PublishAsync(host, sent, "replayed");
        var deadLetters = host.Services.GetRequiredService<RedisDeadLetters>();
        // Failing replays put it back with its count raised.
        await Eventually.TrueAsync(async () => (await deadLetters.ListAsync("test.deadletter-replay")).SingleOrDefault()?.Replays >= 1,
            "an automatic replay that fails again");

        Volatile.Write(ref fixedAt, true); // the bug is fixed; nobody calls the replay route

        await Eventually.TrueAsync(() => _probe.Handled.Any(h => h.Event == sent), "an automatic replay to deliver the letter");
        await Eventually.TrueAsync(async () => (await deadLetters.ListAsync("test.deadletter-replay")).Count == 0, "the letter to leave the dead-letter stream");
        Assert.Single(_probe.Handled);
    }

    [Fact]
    public async Task Automatic_replay_gives_up_on_a_letter_after_the_configured_replays_and_leaves_it_for_a_human()
    {
        _probe.Fail = (_, _) => true;
        var host = await StartConsumerAsync<GivenUpEvent>(Group(), new()
        {
            ["EventBus:MaxAttempts"] = "1",
            ["EventBus:RetrySchedule"] = "",
            ["EventBus:DeadLetterReplayInterval"] = "00:00:00.200",
            ["EventBus:MaxDeadLetterReplays"] = "2",
        });
        using var replays = new MetricCollector<long>(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            EventBusTelemetry.Name, "eventbus.deadletters.replayed");
        var sent = new GivenUpEvent("hopeless", 1);

        await PublishAsync(host, sent, "hopeless");

        await Eventually.TrueAsync(() => replays.GetMeasurementSnapshot().Any(m => Equals(m.Tags["outcome"], "left_for_human")),
            "a round that leaves the letter for a human");
        var letter = (await host.Services.GetRequiredService<RedisDeadLetters>().ListAsync("test.deadletter-giveup")).Single();
        Assert.Equal(2, letter.Replays);
        Assert.Equal(3, _probe.Attempts[sent.Id]); // the first delivery and two replays
        Assert.Equal(2, replays.GetMeasurementSnapshot().Where(m => Equals(m.Tags["outcome"], "failed")).Sum(m => m.Value));
        Assert.Contains("handler failure on attempt 3", letter.Reason);
    }

    [Fact]
    public async Task An_entry_left_pending_by_a_dead_consumer_is_reclaimed_by_a_live_one_with_exactly_one_effect()
    {
        var group = Group();
        var stream = RedisStreams.Stream("test.reclaim");
        var db = _redis.GetDatabase();
        var sent = new ReclaimedEvent("cart-77", 77);
        await db.StreamCreateConsumerGroupAsync(stream, group, StreamPosition.Beginning, createStream: true);
        await db.StreamAddAsync(stream, RedisStreams.EventField, CloudEvent.Create(sent, "tests").ToJson());

        // A consumer reads the entry and dies before acknowledging it: the entry stays pending with it.
        var read = await db.StreamReadGroupAsync(stream, group, "consumer-that-crashed", StreamPosition.NewMessages, 10);
        Assert.Single(read);
        Assert.Equal(1, await PendingAsync("test.reclaim", group));

        await StartConsumerAsync<ReclaimedEvent>(group, new() { ["EventBus:ClaimIdleTime"] = "00:00:00.300" });

        await Eventually.TrueAsync(() => _probe.Handled.Count == 1, "a live consumer to reclaim and handle the entry");
        await Eventually.TrueAsync(async () => await PendingAsync("test.reclaim", group) == 0, "the reclaimed entry to be acknowledged");
        Assert.Equal(sent, _probe.Handled.Single().Event);
        Assert.Equal(1, _probe.Attempts[sent.Id]);
    }

    [Fact]
    public async Task Trimming_removes_only_what_every_group_has_acknowledged()
    {
        var db = _redis.GetDatabase();
        var stream = RedisStreams.Stream("test.trim");
        var (fast, slow) = (Group(), Group());
        var host = await StartConsumerAsync<TrimmedEvent>(fast);
        await db.StreamCreateConsumerGroupAsync(stream, slow, StreamPosition.Beginning, createStream: true);
        for (var i = 0; i < 20; i++)
        {
            await PublishAsync(host, new TrimmedEvent("trim", i));
        }

        await Eventually.TrueAsync(() => _probe.Handled.Count == 20, "the fast group to handle everything");
        await Eventually.TrueAsync(async () => await PendingAsync("test.trim", fast) == 0, "the fast group to acknowledge everything");
        var trimmer = host.Services.GetServices<IHostedService>().OfType<RedisStreamTrimmer>().Single();

        // The slow group has not read anything yet: nothing may go.
        Assert.Equal(0, await trimmer.TrimAsync(db, "test.trim"));
        Assert.Equal(20, await db.StreamLengthAsync(stream));

        // The slow group reads 15 and acknowledges 10: only those 10 may go.
        var entries = await db.StreamReadGroupAsync(stream, slow, "slow-consumer", StreamPosition.NewMessages, 15);
        await db.StreamAcknowledgeAsync(stream, slow, [.. entries.Take(10).Select(e => e.Id)]);

        Assert.Equal(10, await trimmer.TrimAsync(db, "test.trim"));
        Assert.Equal(10, await db.StreamLengthAsync(stream));
        Assert.Equal(entries[10].Id, (await db.StreamRangeAsync(stream, count: 1)).Single().Id);
    }

    [Fact]
    public async Task Published_delivered_retried_and_dead_lettered_messages_are_counted()
    {
        _probe.Fail = (e, attempt) => e.Number == 2 || (e.Number == 1 && attempt == 1);
        var host = await StartConsumerAsync<MeteredEvent>(Group(), new() { ["EventBus:MaxAttempts"] = "2", ["EventBus:RetrySchedule"] = "" });
        var meterFactory = host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var published = new MetricCollector<long>(meterFactory, EventBusTelemetry.Name, "eventbus.messages.published");
        using var delivered = new MetricCollector<long>(meterFactory, EventBusTelemetry.Name, "eventbus.messages.delivered");
        using var retried = new MetricCollector<long>(meterFactory, EventBusTelemetry.Name, "eventbus.messages.retried");
        using var deadLettered = new MetricCollector<long>(meterFactory, EventBusTelemetry.Name, "eventbus.messages.dead_lettered");

        for (var i = 0; i < 3; i++)
        {
            await PublishAsync(host, new MeteredEvent("metered", i));
        }

        // 0 succeeds, 1 succeeds on its second attempt, 2 fails twice and is dead-lettered.
        await Eventually.TrueAsync(() => deadLettered.GetMeasurementSnapshot().Count == 1 && _probe.Handled.Count == 2, "all three outcomes");
        Assert.Equal(3, published.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(2, delivered.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(2, retried.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.All(published.GetMeasurementSnapshot(), m => Assert.Equal("test.metrics", m.Tags["topic"]));
    }

    [Fact]
    public async Task The_consumer_span_continues_the_producer_trace()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is EventBusTelemetry.Name or "tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("tests");
        var host = await StartConsumerAsync<TracedEvent>(Group());

        ActivityTraceId producerTrace;
        using (var request = source.StartActivity("checkout request"))
        {
            producerTrace = request!.TraceId;
            await PublishAsync(host, new TracedEvent("cart-5", 5));
        }

        await Eventually.TrueAsync(() => _probe.Handled.Count == 1, "the event to be handled");
        Assert.Equal(producerTrace, _probe.Handled.Single().TraceId);
    }
}

/// <summary>A Redis that freezes for longer than every client timeout (SIGSTOP, then SIGCONT) ends no host.</summary>
public sealed class FrozenRedisTests : IAsyncLifetime
{
    private readonly LocalServers _servers = LocalServers.RedisOnly();

    public Task InitializeAsync() => _servers.InitializeAsync();

    public async Task DisposeAsync()
    {
        _servers.ThawRedis(); // never leave a stopped process behind, whatever failed
        await _servers.DisposeAsync();
    }

    [Fact]
    public async Task The_consumer_and_trimmer_outlive_a_freeze_longer_than_the_client_timeouts_and_deliver_afterwards()
    {
        var probe = new HandlerProbe();
        var host = await BusHost.StartAsync(_servers, $"g{Guid.NewGuid():N}"[..12],
            bus => bus.Subscribe<PublishedEvent, ProbeHandler<PublishedEvent>>(),
            services => services.AddSingleton(probe),
            new() { ["EventBus:TrimInterval"] = "00:00:00.500" });
        try
        {
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            // A client of our own with a 1 s timeout: when two of its commands have timed out in turn, the
            // freeze has outlasted the consumer's and trimmer's own (default, longer) timeouts as well.
            await using var watcher = await ConnectionMultiplexer.ConnectAsync(_servers.RedisConnectionString + ",syncTimeout=1000,asyncTimeout=1000");
            _servers.FreezeRedis();
            var timeouts = 0;
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    await watcher.GetDatabase().PingAsync();
                }
                catch (Exception ex) when (ex is RedisTimeoutException or TaskCanceledException)
                {
                    timeouts++; // each after the watcher's 1 s timeout
                }
                catch (Exception ex) when (ex is RedisConnectionException or InvalidOperationException)
                {
                    // The watcher's client tore its stalled connection down (a race in its socket pipe can surface
                    // as InvalidOperationException): not a timeout to count, and no reason to stop watching.
                }

                return timeouts >= 7;
            }, "Redis to stay frozen past the clients' timeouts", TimeSpan.FromMinutes(1));
            _servers.ThawRedis();

            Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host began to stop during the freeze");
            var sent = new PublishedEvent("after-freeze", 1);
            await host.Services.GetRequiredService<IEventPublisher>().PublishAsync(CloudEvent.Create(sent, "tests", "after-freeze"), CancellationToken.None);
            await Eventually.TrueAsync(() => probe.Handled.Any(h => h.Event == sent), "the event published after the freeze to be handled");
            Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host began to stop after the freeze");
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}

/// <summary>An idle consumer waits on the server's notification, not on a timer: Redis of its own, to count its commands.</summary>
public sealed class IdleConsumerTests : IAsyncLifetime
{
    private readonly LocalServers _servers = LocalServers.RedisOnly();

    public Task InitializeAsync() => _servers.InitializeAsync();

    public Task DisposeAsync() => _servers.DisposeAsync();

    [Fact]
    public async Task An_idle_consumer_sends_no_reads_between_its_safety_looks_and_a_publish_still_wakes_it_at_once()
    {
        var probe = new HandlerProbe();
        // The safety look (for a lost notification) and the other timers far beyond the window watched below;
        // the poll interval of the test host (200 ms) stays as it is: it must not apply while subscribed.
        var host = await BusHost.StartAsync(_servers, $"g{Guid.NewGuid():N}"[..12],
            bus => bus.Subscribe<IdleEvent, ProbeHandler<IdleEvent>>(),
            services => services.AddSingleton(probe),
            new()
            {
                ["EventBus:SubscribedPollInterval"] = "00:10:00",
                ["EventBus:ClaimIdleTime"] = "00:10:00",
                ["EventBus:TrimInterval"] = "00:10:00",
                ["EventBus:DeadLetterReplayInterval"] = "00:10:00",
            });
        try
        {
            await using var admin = await ConnectionMultiplexer.ConnectAsync(_servers.RedisConnectionString + ",allowAdmin=true");
            var server = admin.GetServers().Single();
            var publisher = host.Services.GetRequiredService<IEventPublisher>();
            await publisher.PublishAsync(CloudEvent.Create(new IdleEvent("idle", 1), "tests", "idle"), CancellationToken.None);
            await Eventually.TrueAsync(() => probe.Handled.Count == 1, "the first event to be handled");

            var before = await CommandCountsAsync(server);
            await Task.Delay(TimeSpan.FromSeconds(3)); // a window to watch, not a wait for something to happen
            var after = await CommandCountsAsync(server);

            // Before, every consumer read its stream and looked at its retry set once per poll interval (200 ms here:
            // about 15 reads in the window). One read more is allowed, and no more: a wake-up that arrived while the
            // first event's batch was read or handled (the subscription's own "look now", or the publish's
            // notification) is answered by one read after the handler ran, which can fall after `before`.
            Assert.InRange(after.GetValueOrDefault("xreadgroup") - before.GetValueOrDefault("xreadgroup"), 0, 1);
            Assert.Equal(before.GetValueOrDefault("zrange"), after.GetValueOrDefault("zrange"));
            Assert.Equal(before.GetValueOrDefault("evalsha"), after.GetValueOrDefault("evalsha"));

            await publisher.PublishAsync(CloudEvent.Create(new IdleEvent("idle", 2), "tests", "idle"), CancellationToken.None);
            await Eventually.TrueAsync(() => probe.Handled.Count == 2, "the event published after the idle window to be handled");
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    private static async Task<Dictionary<string, long>> CommandCountsAsync(IServer server) =>
        (await server.InfoAsync("commandstats")).SelectMany(group => group)
            .ToDictionary(pair => pair.Key.Replace("cmdstat_", "", StringComparison.Ordinal),
                pair => long.Parse(pair.Value.Split(',')[0].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture));
}
