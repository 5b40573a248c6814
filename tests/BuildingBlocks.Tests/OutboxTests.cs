using BuildingBlocks.EventBus;
using BuildingBlocks.Inbox;
using BuildingBlocks.Outbox;
using BuildingBlocks.Redis;
using BuildingBlocks.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using TestSupport;

namespace BuildingBlocks.Tests;

/// <summary>A service's own data with an outbox and an inbox, as a real service would have.</summary>
public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<Effect> Effects => Set<Effect>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddOutboxAndInbox();
}

public sealed class Order
{
    public int Id { get; set; }
    public required string Customer { get; set; }
}

/// <summary>What a consumer did for an event: one row per event, a counter per row.</summary>
public sealed class Effect
{
    public Guid Id { get; set; }
    public int Times { get; set; }
}

/// <summary>A consumer that applies each event's effect with the inbox, in one transaction.</summary>
public sealed class InboxHandler<TEvent>(ShopContext db) : IIntegrationEventHandler<TEvent> where TEvent : TestEvent
{
    public async Task HandleAsync(TEvent @event, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await db.TryMarkProcessedAsync("inbox-tests", @event.Id, cancellationToken))
        {
            return; // a redelivery: already applied
        }

        var effect = await db.Effects.FindAsync([@event.Id], cancellationToken);
        if (effect is null)
        {
            db.Effects.Add(new Effect { Id = @event.Id, Times = 1 });
        }
        else
        {
            effect.Times++;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>Transactional outbox, relay and inbox on real PostgreSQL and Redis.</summary>
[Collection(LocalServersCollection.Name)]
public sealed class OutboxTests(LocalServers servers) : IAsyncLifetime
{
    private readonly List<IHost> _hosts = [];
    private string _database = "";

    public async Task InitializeAsync()
    {
        _database = await servers.CreateDatabaseAsync();
        await using var db = NewContext();
        await db.Database.EnsureCreatedAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    private ShopContext NewContext() => new(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(_database).Options);

    /// <summary>A service with an outbox on <see cref="ShopContext"/>; its relay is only started when asked.</summary>
    private async Task<IHost> StartServiceAsync<TEvent>(bool consume, bool relay, Func<IEventPublisher, IEventPublisher>? wrapPublisher = null,
        Dictionary<string, string?>? settings = null)
        where TEvent : TestEvent
    {
        var host = await BusHost.StartAsync(servers, $"shop-{typeof(TEvent).Name}",
            bus =>
            {
                if (consume)
                {
                    bus.Subscribe<TEvent, InboxHandler<TEvent>>();
                }

                if (relay)
                {
                    bus.AddOutbox<ShopContext>();
                }
                else
                {
                    bus.Services.AddScoped<IntegrationEventOutbox<ShopContext>>();
                }
            },
            services =>
            {
                services.AddDbContext<ShopContext>(options => options.UseNpgsql(_database));
                if (wrapPublisher is not null)
                {
                    var inner = services.Single(d => d.ServiceType == typeof(IEventPublisher));
                    services.Remove(inner);
                    services.AddSingleton(sp => wrapPublisher((IEventPublisher)ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!)));
                }
            },
            settings);
        _hosts.Add(host);
        return host;
    }

    private static async Task AddOrdersAsync<TEvent>(IHost host, int count, Func<int, TEvent> create) where TEvent : TestEvent
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<IntegrationEventOutbox<ShopContext>>();
        for (var i = 0; i < count; i++)
        {
            var @event = create(i);
            db.Orders.Add(new Order { Customer = @event.Aggregate });
            outbox.Add(@event, @event.Aggregate);
        }

        await db.SaveChangesAsync();
    }

    private async Task<long> UnpublishedAsync()
    {
        await using var db = NewContext();
        return await db.Set<OutboxMessage>().LongCountAsync(m => m.PublishedAt == null);
    }

    [Fact]
    public async Task The_state_change_and_its_event_commit_together_and_the_relay_delivers_it()
    {
        var host = await StartServiceAsync<OutboxEvent>(consume: true, relay: true);

        await AddOrdersAsync(host, 1, i => new OutboxEvent("alice", i));

        await using var db = NewContext();
        Assert.Equal(1, await db.Orders.CountAsync());
        await Eventually.TrueAsync(async () => await db.Effects.CountAsync() == 1, "the event to reach the consumer");
        // The consumer may finish before the relay marks the row; marking must follow.
        await Eventually.TrueAsync(async () => await UnpublishedAsync() == 0, "the relay to mark the event published");
    }

    [Fact]
    public async Task A_rolled_back_transaction_leaves_neither_state_nor_event()
    {
        var host = await StartServiceAsync<OutboxEvent>(consume: false, relay: false);
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<IntegrationEventOutbox<ShopContext>>();

        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            db.Orders.Add(new Order { Customer = "bob" });
            outbox.Add(new OutboxEvent("bob", 1), "bob");
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }

        await using var check = NewContext();
        Assert.Equal(0, await check.Orders.CountAsync());
        Assert.Equal(0, await check.Set<OutboxMessage>().CountAsync());
    }

    [Fact]
    public async Task A_relay_that_crashes_mid_batch_and_restarts_delivers_every_event_with_one_effect_each()
    {
        const int events = 200;
        using var crash = new CancellationTokenSource();
        var producer = await StartServiceAsync<CrashEvent>(consume: false, relay: false,
            inner => new CrashingPublisher(inner, crashAfter: 120, crash));
        await AddOrdersAsync(producer, events, i => new CrashEvent($"customer-{i % 7}", i));
        var firstRelay = ActivatorUtilities.CreateInstance<OutboxRelay<ShopContext>>(producer.Services);

        // Published 120 events, then "crashed" before marking any of them published.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => firstRelay.RunRoundAsync(crash.Token));
        Assert.Equal(events, await UnpublishedAsync());

        // The service comes back with its relay and a consumer.
        await StartServiceAsync<CrashEvent>(consume: true, relay: true);

        await using var db = NewContext();
        await Eventually.TrueAsync(async () => await db.Effects.CountAsync() == events, $"all {events} effects", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(async () => await UnpublishedAsync() == 0, "the relay to mark every event published");
        Assert.All(await db.Effects.ToListAsync(), effect => Assert.Equal(1, effect.Times));
        // At least the 120 published before the crash really went out twice: the inbox kept their effect single.
        var stream = await ConnectionMultiplexer.Connect(servers.RedisConnectionString).GetDatabase()
            .StreamLengthAsync(RedisStreams.Stream("test.outbox-crash"));
        Assert.InRange(stream, events + 120, 2 * events);
    }

    [Fact]
    public async Task Several_replicas_relay_one_outbox_without_losing_or_reordering_events()
    {
        const int events = 300;
        var first = await StartServiceAsync<ReplicaEvent>(consume: false, relay: false);
        await AddOrdersAsync(first, events, i => new ReplicaEvent($"customer-{i % 5}", i));

        var replicas = Enumerable.Range(0, 3).Select(_ => ActivatorUtilities.CreateInstance<OutboxRelay<ShopContext>>(first.Services)).ToArray();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Task.WhenAll(replicas.Select(async relay =>
        {
            while (await UnpublishedAsync() > 0)
            {
                stop.Token.ThrowIfCancellationRequested();
                await relay.RunRoundAsync(stop.Token);
            }
        }));

        var entries = await ConnectionMultiplexer.Connect(servers.RedisConnectionString).GetDatabase()
            .StreamRangeAsync(RedisStreams.Stream("test.outbox-replicas"));
        var published = entries.Select(e => CloudEvent.FromJson(e[RedisStreams.EventField].ToString())).ToList();
        Assert.Equal(events, published.Select(e => e.Id).Distinct().Count());
        foreach (var customer in published.GroupBy(e => e.PartitionKey))
        {
            var numbers = customer.Select(e => e.Data.GetProperty("number").GetInt32()).ToArray();
            Assert.Equal(numbers.Order(), numbers);
        }
    }

    [Fact]
    public async Task During_a_broker_outage_events_wait_in_the_outbox_and_leave_in_order_when_it_ends()
    {
        var outage = new OutagePublisherSwitch { Down = true };
        var host = await StartServiceAsync<OutageEvent>(consume: true, relay: true, inner => new OutagePublisher(inner, outage));

        await AddOrdersAsync(host, 30, i => new OutageEvent($"customer-{i % 3}", i));

        await using var db = NewContext();
        await Eventually.TrueAsync(async () =>
            await db.Set<OutboxMessage>().AnyAsync(m => m.Attempts > 0 && m.LastError != null), "the relay to try and fail");
        Assert.Equal(30, await UnpublishedAsync());
        Assert.Equal(0, await db.Effects.CountAsync());

        outage.Down = false;

        await Eventually.TrueAsync(async () => await db.Effects.CountAsync() == 30, "every event once the broker is back");
        await Eventually.TrueAsync(async () => await UnpublishedAsync() == 0, "the relay to mark every event published");
    }

    [Fact]
    public async Task Published_rows_older_than_the_retention_are_pruned_and_unpublished_ones_never()
    {
        var host = await StartServiceAsync<PrunedEvent>(consume: false, relay: false);
        await AddOrdersAsync(host, 5, i => new PrunedEvent("carol", i));
        await using (var db = NewContext())
        {
            // One row that cannot be published yet (its aggregate is held back by nothing: it is just new).
            db.Set<OutboxMessage>().Add(new OutboxMessage
            {
                EventId = Guid.CreateVersion7(), Topic = "test.outbox-prune", CloudEvent = "{}", CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }

        var relay = ActivatorUtilities.CreateInstance<OutboxRelay<ShopContext>>(host.Services,
            Microsoft.Extensions.Options.Options.Create(new EventBusOptions { ServiceName = "pruning", OutboxRetention = TimeSpan.Zero }));
        await relay.RunRoundAsync(CancellationToken.None);

        await using var check = NewContext();
        // The five valid events were published and pruned; the unreadable one failed, stays, and says why.
        var left = await check.Set<OutboxMessage>().SingleAsync();
        Assert.Null(left.PublishedAt);
        Assert.Equal(1, left.Attempts);
        Assert.NotNull(left.LastError);
        var stream = await ConnectionMultiplexer.Connect(servers.RedisConnectionString).GetDatabase()
            .StreamLengthAsync(RedisStreams.Stream("test.outbox-prune"));
        Assert.Equal(5, stream);
    }

    /// <summary>Both scans (listening and disconnected) ten minutes apart: only a notification can wake the relay within a test's deadline.</summary>
    private static readonly Dictionary<string, string?> NoPolling = new()
    {
        ["EventBus:OutboxPollInterval"] = "00:10:00",
        ["EventBus:OutboxDisconnectedPollInterval"] = "00:10:00",
    };

    /// <summary>The backend pid of the relay's LISTEN connection, once it listens.</summary>
    private async Task<int> ListenerPidAsync(int? not = null)
    {
        await using var db = NewContext();
        var pids = await Eventually.UntilAsync(async () => await db.Database.SqlQuery<int>($"""
                SELECT pid AS "Value" FROM pg_stat_activity
                WHERE datname = current_database() AND application_name = {OutboxRelay<ShopContext>.ListenerApplicationName} AND query LIKE 'LISTEN%'
                """).ToListAsync(),
            found => found.Count == 1 && found[0] != not, TimeSpan.FromSeconds(30), "the relay to listen");
        return pids[0];
    }

    [Fact]
    public async Task A_commit_to_the_outbox_wakes_the_relay_at_once_without_waiting_for_its_poll()
    {
        var host = await StartServiceAsync<NotifiedEvent>(consume: true, relay: true, settings: NoPolling);
        await ListenerPidAsync();

        await AddOrdersAsync(host, 1, i => new NotifiedEvent("dave", i));

        await using var db = NewContext();
        await Eventually.TrueAsync(async () => await db.Effects.CountAsync() == 1, "the event to be relayed on the commit's notification");
        await Eventually.TrueAsync(async () => await UnpublishedAsync() == 0, "the relay to mark the event published");
    }

    [Fact]
    public async Task The_relay_listens_again_after_its_database_connection_is_killed()
    {
        var host = await StartServiceAsync<ListenerKilledEvent>(consume: true, relay: true, settings: NoPolling);
        var first = await ListenerPidAsync();

        await using var db = NewContext();
        await db.Database.ExecuteSqlAsync($"SELECT pg_terminate_backend({first})");
        await ListenerPidAsync(not: first);
        await AddOrdersAsync(host, 1, i => new ListenerKilledEvent("erin", i));

        await Eventually.TrueAsync(async () => await db.Effects.CountAsync() == 1, "the event to be relayed after the listener reconnected");
    }

    [Fact]
    public async Task A_round_that_failed_is_tried_again_within_seconds_though_the_next_scan_is_minutes_away()
    {
        var outage = new OutagePublisherSwitch { Down = true };
        var host = await StartServiceAsync<RelayRetriedEvent>(consume: true, relay: true, inner => new OutagePublisher(inner, outage), NoPolling);
        await ListenerPidAsync();

        await AddOrdersAsync(host, 3, i => new RelayRetriedEvent("frank", i));
        await using var db = NewContext();
        await Eventually.TrueAsync(async () => await db.Set<OutboxMessage>().AnyAsync(m => m.Attempts > 0), "the relay to try and fail");
        outage.Down = false;

        // No commit comes after the outage and the safety scan is ten minutes away: only the relay's retry delivers them.
        await Eventually.TrueAsync(async () => await db.Effects.CountAsync() == 3, "the events once the broker is back, without another commit");
    }

    [Fact]
    public async Task A_relay_kept_out_by_another_relays_lease_takes_over_when_the_lease_lapses()
    {
        var settings = new Dictionary<string, string?>(NoPolling) { ["EventBus:OutboxLease"] = "00:00:03" };
        var host = await StartServiceAsync<LeasedEvent>(consume: true, relay: true, settings: settings);
        await ListenerPidAsync();
        // A relay that died holding the lease: nobody renews or releases it, it lapses after 3 s. Taken as soon as the
        // relay's own lease from its first round has lapsed.
        var serviceName = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<EventBusOptions>>().Value.ServiceName;
        var locks = host.Services.GetRequiredService<BuildingBlocks.Locking.IDistributedLock>();
        await Eventually.TrueAsync(() => locks.TryAcquireAsync(OutboxRelay<ShopContext>.LockNameOf(serviceName), "a-dead-relay", TimeSpan.FromSeconds(3)),
            "the lease for the dead relay");

        await AddOrdersAsync(host, 2, i => new LeasedEvent("grace", i));

        // The commit's notification found the lease taken; no other commit comes and the scan is ten minutes away.
        await using var db = NewContext();
        await Eventually.TrueAsync(async () => await db.Effects.CountAsync() == 2, "the events once the dead relay's lease lapsed");
    }

    [Fact]
    public async Task A_redelivered_event_is_recognised_by_the_inbox()
    {
        await using var db = NewContext();
        var eventId = Guid.CreateVersion7();

        await using (var first = await db.Database.BeginTransactionAsync())
        {
            Assert.True(await db.TryMarkProcessedAsync("inbox-tests", eventId, CancellationToken.None));
            await first.CommitAsync();
        }

        await using var second = await db.Database.BeginTransactionAsync();
        Assert.False(await db.TryMarkProcessedAsync("inbox-tests", eventId, CancellationToken.None));
        Assert.True(await db.TryMarkProcessedAsync("another-consumer", eventId, CancellationToken.None));
    }

    /// <summary>Publishes for real, then after N publishes "crashes": cancels and throws before the relay can mark anything.</summary>
    private sealed class CrashingPublisher(IEventPublisher inner, int crashAfter, CancellationTokenSource crash) : IEventPublisher
    {
        private int _started;

        public async Task PublishAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _started) > crashAfter)
            {
                await crash.CancelAsync();
                throw new OperationCanceledException(crash.Token);
            }

            await inner.PublishAsync(cloudEvent, cancellationToken);
        }
    }

    private sealed class OutagePublisherSwitch
    {
        public volatile bool Down;
    }

    private sealed class OutagePublisher(IEventPublisher inner, OutagePublisherSwitch outage) : IEventPublisher
    {
        public Task PublishAsync(CloudEvent cloudEvent, CancellationToken cancellationToken) =>
            outage.Down ? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "broker down (test)") : inner.PublishAsync(cloudEvent, cancellationToken);
    }
}
