using BuildingBlocks.Outbox;
using BuildingBlocks.Redis;
using BuildingBlocks.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using TestSupport;

namespace BuildingBlocks.Tests;

/// <summary>
/// A Redis frozen when a service stops (SIGSTOP; SIGCONT only after the stop): the host stops without waiting for an
/// answer Redis cannot give. Before, each service's stop waited a client timeout for every topic it unsubscribed from and
/// every lease it gave back: OrderWorkflow took 22 s to stop with Redis gone, most of Kubernetes' 30 s grace period.
/// </summary>
public sealed class RedisFrozenAtStopTests : IAsyncLifetime
{
    private readonly LocalServers _servers = new();

    public Task InitializeAsync() => _servers.InitializeAsync();

    public Task DisposeAsync() => _servers.DisposeAsync(); // thaws a server a failed test left frozen

    [Fact]
    public async Task A_host_stopped_while_redis_is_frozen_ends_every_loop_without_waiting_for_its_subscriptions_lease_or_reads()
    {
        var database = await _servers.CreateDatabaseAsync();
        await using (var db = new ShopContext(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(database).Options))
        {
            await db.Database.EnsureCreatedAsync();
        }

        var service = $"stop-{Guid.NewGuid():N}"[..12];
        var host = await BusHost.StartAsync(_servers, service,
            bus =>
            {
                bus.Subscribe<PublishedEvent, ProbeHandler<PublishedEvent>>();
                bus.Subscribe<OrderedEvent, ProbeHandler<OrderedEvent>>();
                bus.AddOutbox<ShopContext>();
            },
            services =>
            {
                services.AddSingleton(new HandlerProbe());
                services.AddDbContext<ShopContext>(options => options.UseNpgsql(database));
                // A minute for each command's answer: a stop that waited for any of them could not end before the deadline below.
                services.AddSingleton<IConnectionMultiplexer>(_ =>
                    ConnectionMultiplexer.Connect(_servers.RedisConnectionString + ",syncTimeout=60000,asyncTimeout=60000"));
            },
            // The consumers' safety look every 200 ms, so that one of their reads is soon waiting on the frozen server.
            new() { ["EventBus:SubscribedPollInterval"] = "00:00:00.200" });
        var redis = host.Services.GetRequiredService<IConnectionMultiplexer>();
        var loops = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
        Assert.Contains(loops, loop => loop is RedisStreamsConsumer);
        Assert.Contains(loops, loop => loop is OutboxRelay<ShopContext>);

        // Both topics subscribed and the outbox lease held: what a stop gives back.
        await using var watcher = await ConnectionMultiplexer.ConnectAsync(_servers.RedisConnectionString);
        var server = watcher.GetServer(watcher.GetEndPoints().Single());
        await Eventually.TrueAsync(async () =>
                await server.SubscriptionSubscriberCountAsync(RedisChannel.Literal(RedisStreams.NotifyChannel("test.publish"))) == 1
                && await server.SubscriptionSubscriberCountAsync(RedisChannel.Literal(RedisStreams.NotifyChannel("test.ordering"))) == 1
                && await watcher.GetDatabase().KeyExistsAsync("lock:" + OutboxRelay<ShopContext>.LockNameOf(service)),
            "the consumer to subscribe and the relay to hold its lease");

        _servers.FreezeRedis();
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(redis.GetCounters().Interactive.SentItemsAwaitingResponse > 0),
                "a read of the host to wait on the frozen Redis");

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await host.StopAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                // The deadline passed: the assertion below names what was still running.
            }

            Assert.All(loops, loop => Assert.True(loop.ExecuteTask?.IsCompleted ?? true,
                $"{loop.GetType().Name} was still running when the host's stop gave up"));
            Assert.False(deadline.IsCancellationRequested, "the stop waited for the frozen Redis");
        }
        finally
        {
            _servers.ThawRedis();
            host.Dispose();
        }
    }
}
