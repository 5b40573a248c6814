// Checkout throughput and latency of the whole platform on this machine: the real AppHost in local
// mode, every request through the gateway (basket PUT, order POST with an Idempotency-Key), orders
// offered at a fixed rate, each running the saga to Confirmed. Latency = the order's creation in
// Ordering to the saga's Confirmed commit in OrderWorkflow, both read from their databases.
//   dotnet run -c Release --project tests/Benchmarks/CheckoutBenchmark -- [orders] [rate per second] [warm-up orders] [trace sampling ratio] [seconds at rest] [AppHost arguments...]
// Arguments after the fifth go to the AppHost (e.g. --Parameters:catalog-replicas=4; locally the AppHost runs one catalog
// replica per core, 2 to 4).
// Warm-up orders run first at the same rate, to the end, and are not measured: a process that has just
// started spends much of its CPU compiling its hot paths (tiered JIT), which is not its steady state.
// Besides latency it reports the CPU the platform uses at rest (the last 20 s of a pause without orders
// after the warm-up, 20 s unless given) and, over the measured window, CPU seconds per order by process and database
// statements, transactions and Redis commands per order: what bounds the throughput. The sampling ratio
// is the AppHost's trace-sampling-ratio (1, every trace, as `./platform.sh up` runs by default), within its
// traces-per-second (10 new traces a second per process, its default, unless TRACES_PER_SECOND says otherwise).
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using AppHost;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using CheckoutBenchmark;
using IntegrationTests;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

var orders = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
var rate = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var warmup = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 0;
var sampling = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 1;
var restSeconds = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 20;

var dataDirectory = PlatformHost.NewDataDirectory();
var tracesPerSecond = Environment.GetEnvironmentVariable("TRACES_PER_SECOND") ?? "10";
var app = await PlatformHost.StartAsync(dataDirectory,
    [$"--Parameters:trace-sampling-ratio={sampling.ToString(CultureInfo.InvariantCulture)}", $"--Parameters:traces-per-second={tracesPerSecond}", .. args.Skip(5)]);
try
{
    using var gateway = app.CreateHttpClient("gateway");
    using var admin = app.AdminClient();
    var created = await admin.PostAsJsonAsync("/api/catalog/items",
        new { name = "Benchmark Lamp", price = 9.99m, categoryId = 1, brandId = 1 });
    var product = (await created.Content.ReadFromJsonAsync<CatalogItem>())!.Id;
    (await admin.PutAsJsonAsync($"/api/inventory/{product}", new { onHand = (orders + warmup) * 2 })).EnsureSuccessStatusCode();

    await using var ordering = new NpgsqlConnection(await app.GetConnectionStringAsync("orderingdb"));
    await using var workflow = new NpgsqlConnection(await app.GetConnectionStringAsync("workflowdb"));
    await ordering.OpenAsync();
    await workflow.OpenAsync();
    var counters = await PlatformCounters.ConnectAsync(ordering, (await app.GetConnectionStringAsync("redis"))!);

    // Offers the orders at the rate and returns how many requests failed.
    async Task<int> OfferAsync(string prefix, int count)
    {
        var failed = 0;
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await Task.Delay(TimeSpan.FromSeconds(i / rate)); // the offered load's schedule, not synchronisation
            var token = Tokens.For($"{prefix}-{i}");
            var put = new HttpRequestMessage(HttpMethod.Put, $"/api/basket/items/{product}") { Content = JsonContent.Create(new { quantity = 1 }) }.WithToken(token);
            var post = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
            {
                Content = JsonContent.Create(new
                {
                    shippingAddress = new { street = "1 Bench Street", city = "Benchville", postalCode = "1", country = "NL" },
                    paymentToken = "tok_ok",
                }),
            }.WithToken(token);
            post.Headers.Add("Idempotency-Key", $"{prefix}-{i}");
            if (!(await gateway.SendAsync(put)).IsSuccessStatusCode || !(await gateway.SendAsync(post)).IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failed);
            }
        }));
        return failed;
    }

    // Polls until that many sagas have finished and every event about them has been handled (Ordering and
    // Payment take in the final status after the saga ends), or five minutes have passed: what the orders
    // cost includes their tail, and the window at rest starts with nothing left to do.
    async Task WaitFinishedAsync(long expected)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        long finished;
        do
        {
            await Task.Delay(200);
            finished = (long)(await new NpgsqlCommand("""SELECT count(*) FROM order_sagas WHERE "Step" IN ('Confirmed', 'Cancelled')""", workflow).ExecuteScalarAsync())!;
        }
        while (finished < expected && DateTime.UtcNow < deadline);

        while (await counters.EventsNotHandledAsync() > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
    }

    var warmupFailures = 0;
    if (warmup > 0)
    {
        var warmupClock = Stopwatch.StartNew();
        warmupFailures = await OfferAsync("warmup", warmup);
        await WaitFinishedAsync(warmup - warmupFailures);
        Console.WriteLine($"warm-up: {warmup} orders at {rate}/s, all finished after {warmupClock.Elapsed.TotalSeconds:F1} s; request failures: {warmupFailures}");
    }

    // At rest first (measurement windows, not synchronisation): what the platform costs with no order
    // in flight, printed per 10 s slice so that the JIT's tail after the warm-up shows; the last 20 s are
    // the at-rest figure, which the figures per order below include, spread over the orders.
    var rest = TimeSpan.FromSeconds(20);
    var settle = TimeSpan.FromSeconds(Math.Max(0, restSeconds - rest.TotalSeconds));
    var slice = TimeSpan.FromSeconds(10);
    var sliceFrom = await counters.ReadAsync();
    for (var waited = TimeSpan.Zero; waited < settle; waited += slice)
    {
        await Task.Delay(slice);
        var sliceTo = await counters.ReadAsync();
        Console.Write($"settling, {(waited + slice).TotalSeconds:F0} s after the warm-up: ");
        sliceTo.WriteAtRest(sliceFrom, slice, Console.Out);
        sliceFrom = sliceTo;
    }

    var restFrom = await counters.ReadAsync();
    await Task.Delay(rest);
    var restTo = await counters.ReadAsync();

    var measuredFrom = DateTimeOffset.UtcNow;
    var before = await counters.ReadAsync();
    var clock = Stopwatch.StartNew();
    var failures = await OfferAsync("bench", orders);
    var offeredFor = clock.Elapsed;
    await WaitFinishedAsync(warmup - warmupFailures + orders - failures);
    var after = await counters.ReadAsync();

    var createdAt = new Dictionary<Guid, DateTimeOffset>();
    await using (var reader = await new NpgsqlCommand("""SELECT "Id", "CreatedAt" FROM orders""", ordering).ExecuteReaderAsync())
    {
        while (await reader.ReadAsync())
        {
            if (reader.GetFieldValue<DateTimeOffset>(1) >= measuredFrom)
            {
                createdAt[reader.GetGuid(0)] = reader.GetFieldValue<DateTimeOffset>(1);
            }
        }
    }

    var latencies = new List<double>();
    var toWorkflow = new List<double>();
    var inSaga = new List<double>();
    DateTimeOffset first = DateTimeOffset.MaxValue, last = DateTimeOffset.MinValue;
    var cancelled = 0;
    await using (var reader = await new NpgsqlCommand("""SELECT "OrderId", "Step", "UpdatedAt", "CreatedAt" FROM order_sagas""", workflow).ExecuteReaderAsync())
    {
        while (await reader.ReadAsync())
        {
            if (!createdAt.TryGetValue(reader.GetGuid(0), out var start))
            {
                continue; // a warm-up order
            }

            if (reader.GetString(1) != "Confirmed")
            {
                cancelled++;
                continue;
            }

            var end = reader.GetFieldValue<DateTimeOffset>(2);
            latencies.Add((end - start).TotalMilliseconds);
            toWorkflow.Add((reader.GetFieldValue<DateTimeOffset>(3) - start).TotalMilliseconds);
            inSaga.Add((end - reader.GetFieldValue<DateTimeOffset>(3)).TotalMilliseconds);
            first = start < first ? start : first;
            last = end > last ? end : last;
        }
    }

    latencies.Sort();
    toWorkflow.Sort();
    inSaga.Sort();
    double Percentile(List<double> values, double p) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
    var resources = app.Services.GetRequiredService<DistributedApplicationModel>().Resources;
    Console.WriteLine($"catalog replicas: {CatalogReplicas.Names.Count(name => resources.Any(r => r.Name == name))}");
    Console.WriteLine($"offered: {orders} orders at {rate}/s over {offeredFor.TotalSeconds:F1} s; request failures: {failures}; traces sampled: {sampling:P0}, at most {tracesPerSecond} new a second per process");
    Console.WriteLine($"confirmed: {latencies.Count}, cancelled: {cancelled}, sustained to Confirmed: {latencies.Count / (last - first).TotalSeconds:F1} orders/s");
    Console.WriteLine($"checkout to Confirmed: p50 {Percentile(latencies, 0.50):F0} ms, p95 {Percentile(latencies, 0.95):F0} ms, p99 {Percentile(latencies, 0.99):F0} ms, max {latencies[^1]:F0} ms");
    Console.WriteLine($"of which order created to saga started (outbox, relay, bus): p50 {Percentile(toWorkflow, 0.5):F0} ms, p95 {Percentile(toWorkflow, 0.95):F0} ms, p99 {Percentile(toWorkflow, 0.99):F0} ms, max {toWorkflow[^1]:F0} ms");
    Console.WriteLine($"saga started to Confirmed (reserve, token, payment, commit): p50 {Percentile(inSaga, 0.5):F0} ms, p95 {Percentile(inSaga, 0.95):F0} ms, p99 {Percentile(inSaga, 0.99):F0} ms, max {inSaga[^1]:F0} ms");
    restTo.WriteAtRest(restFrom, rest, Console.Out);
    after.WriteDifference(before, orders, Console.Out);
}
finally
{
    await app.DisposeAsync();
    PlatformHost.DeleteDataDirectory(dataDirectory);
}
