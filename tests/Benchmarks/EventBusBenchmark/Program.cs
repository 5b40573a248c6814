// End-to-end throughput and delivery delay of the event backbone on this machine, native mode:
// a state change and its event committed together (outbox) → relay → Redis Streams → consumer
// applying the effect with the inbox in PostgreSQL. Real Redis and PostgreSQL, started here.
//   dotnet run -c Release --project tests/Benchmarks/EventBusBenchmark -- [events] [writers] [rate]
// rate = offered events/s (0: as fast as the writers can commit, which measures saturation).
using System.Collections.Concurrent;
using System.Diagnostics;
using BuildingBlocks.EventBus;
using BuildingBlocks.Outbox;
using BuildingBlocks.Tests;
using BuildingBlocks.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

var events = args.Length > 0 ? int.Parse(args[0]) : 5000;
var writers = args.Length > 1 ? int.Parse(args[1]) : 4;
var rate = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0;

var servers = new LocalServers();
await servers.InitializeAsync();
try
{
    var database = await servers.CreateDatabaseAsync();
    await using (var db = new ShopContext(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(database).Options))
    {
        await db.Database.EnsureCreatedAsync();
    }

    var delays = new ConcurrentBag<double>();
    var host = await BusHost.StartAsync(servers, "bench",
        bus => bus.Subscribe<BenchEvent, BenchHandler>().AddOutbox<ShopContext>(),
        services =>
        {
            services.AddDbContext<ShopContext>(options => options.UseNpgsql(database));
            services.AddSingleton(delays);
        });

    var clock = Stopwatch.StartNew();
    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < events)
        {
            if (rate > 0 && TimeSpan.FromSeconds(i / rate) - clock.Elapsed is { Ticks: > 0 } early)
            {
                await Task.Delay(early); // pacing the offered load, not synchronisation
            }

            await using var scope = host.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
            var customer = $"customer-{i % 100}";
            db.Orders.Add(new Order { Customer = customer });
            scope.ServiceProvider.GetRequiredService<IntegrationEventOutbox<ShopContext>>().Add(new BenchEvent(customer, i), customer);
            await db.SaveChangesAsync();
        }
    })));
    var written = clock.Elapsed;

    var deadline = DateTime.UtcNow.AddMinutes(5);
    while (delays.Count < events && DateTime.UtcNow < deadline)
    {
        await Task.Delay(10);
    }

    var total = clock.Elapsed;
    await host.StopAsync();
    host.Dispose();

    var sorted = delays.Order().ToArray();
    double Percentile(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    Console.WriteLine($"events: {events}, writers: {writers}, offered rate: {(rate > 0 ? $"{rate} events/s" : "unpaced")}, handled: {sorted.Length}");
    Console.WriteLine($"written (outbox commits) in {written.TotalSeconds:F2} s: {events / written.TotalSeconds:F0} events/s");
    Console.WriteLine($"end to end (first write to last handler) in {total.TotalSeconds:F2} s: {sorted.Length / total.TotalSeconds:F0} events/s");
    Console.WriteLine($"delivery delay (event created just before its commit, to handler done): p50 {Percentile(0.50):F1} ms, p99 {Percentile(0.99):F1} ms, max {sorted[^1]:F1} ms");
}
finally
{
    await servers.DisposeAsync();
}

[EventTopic("bench.events")]
public sealed record BenchEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);

/// <summary>The realistic consumer path: inbox + effect in one PostgreSQL transaction, then record the delay.</summary>
public sealed class BenchHandler(ShopContext db, ConcurrentBag<double> delays) : IIntegrationEventHandler<BenchEvent>
{
    private readonly InboxHandler<BenchEvent> _inner = new(db);

    public async Task HandleAsync(BenchEvent @event, CancellationToken cancellationToken)
    {
        await _inner.HandleAsync(@event, cancellationToken);
        delays.Add((DateTimeOffset.UtcNow - @event.OccurredAt).TotalMilliseconds);
    }
}
