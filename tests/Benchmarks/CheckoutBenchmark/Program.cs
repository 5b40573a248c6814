// Checkout throughput and latency of the whole platform on this machine: the real AppHost in local
// mode, every request through the gateway (basket PUT, order POST with an Idempotency-Key), orders
// offered at a fixed rate, each running the saga to Confirmed. Latency = the order's creation in
// Ordering to the saga's Confirmed commit in OrderWorkflow, both read from their databases.
//   dotnet run -c Release --project tests/Benchmarks/CheckoutBenchmark -- [orders] [rate per second]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using IntegrationTests;
using Npgsql;

var orders = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
var rate = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10;

var dataDirectory = PlatformHost.NewDataDirectory();
var app = await PlatformHost.StartAsync(dataDirectory);
try
{
    using var gateway = app.CreateHttpClient("gateway");
    using var admin = app.AdminClient();
    var created = await admin.PostAsJsonAsync("/api/catalog/items",
        new { name = "Benchmark Lamp", price = 9.99m, categoryId = 1, brandId = 1 });
    var product = (await created.Content.ReadFromJsonAsync<CatalogItem>())!.Id;
    (await admin.PutAsJsonAsync($"/api/inventory/{product}", new { onHand = orders * 2 })).EnsureSuccessStatusCode();

    var clock = Stopwatch.StartNew();
    var failures = 0;
    var submissions = Enumerable.Range(0, orders).Select(async i =>
    {
        await Task.Delay(TimeSpan.FromSeconds(i / rate)); // the offered load's schedule, not synchronisation
        var token = Tokens.For($"bench-{i}");
        var put = new HttpRequestMessage(HttpMethod.Put, $"/api/basket/items/{product}") { Content = JsonContent.Create(new { quantity = 1 }) }.WithToken(token);
        var post = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(new
            {
                shippingAddress = new { street = "1 Bench Street", city = "Benchville", postalCode = "1", country = "NL" },
                paymentToken = "tok_ok",
            }),
        }.WithToken(token);
        post.Headers.Add("Idempotency-Key", $"bench-{i}");
        if (!(await gateway.SendAsync(put)).IsSuccessStatusCode || !(await gateway.SendAsync(post)).IsSuccessStatusCode)
        {
            Interlocked.Increment(ref failures);
        }
    }).ToList();
    await Task.WhenAll(submissions);
    var offeredFor = clock.Elapsed;

    await using var ordering = new NpgsqlConnection(await app.GetConnectionStringAsync("orderingdb"));
    await using var workflow = new NpgsqlConnection(await app.GetConnectionStringAsync("workflowdb"));
    await ordering.OpenAsync();
    await workflow.OpenAsync();

    var deadline = DateTime.UtcNow.AddMinutes(5);
    long finished;
    do
    {
        await Task.Delay(200);
        finished = (long)(await new NpgsqlCommand("""SELECT count(*) FROM order_sagas WHERE "Step" IN ('Confirmed', 'Cancelled')""", workflow).ExecuteScalarAsync())!;
    }
    while (finished < orders - failures && DateTime.UtcNow < deadline);

    var createdAt = new Dictionary<Guid, DateTimeOffset>();
    await using (var reader = await new NpgsqlCommand("""SELECT "Id", "CreatedAt" FROM orders""", ordering).ExecuteReaderAsync())
    {
        while (await reader.ReadAsync())
        {
            createdAt[reader.GetGuid(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        }
    }

    var latencies = new List<double>();
    var toWorkflow = new List<double>();
    DateTimeOffset first = DateTimeOffset.MaxValue, last = DateTimeOffset.MinValue;
    var cancelled = 0;
    await using (var reader = await new NpgsqlCommand("""SELECT "OrderId", "Step", "UpdatedAt", "CreatedAt" FROM order_sagas""", workflow).ExecuteReaderAsync())
    {
        while (await reader.ReadAsync())
        {
            if (reader.GetString(1) != "Confirmed")
            {
                cancelled++;
                continue;
            }

            var start = createdAt[reader.GetGuid(0)];
            var end = reader.GetFieldValue<DateTimeOffset>(2);
            latencies.Add((end - start).TotalMilliseconds);
            toWorkflow.Add((reader.GetFieldValue<DateTimeOffset>(3) - start).TotalMilliseconds);
            first = start < first ? start : first;
            last = end > last ? end : last;
        }
    }

    // Where the time goes inside the saga: each transition commits with its status event, so the
    // workflow's outbox holds when each step ended.
    var stepEnds = new Dictionary<(string Order, string Status), DateTimeOffset>();
    await using (var reader = await new NpgsqlCommand("""
        SELECT partition_key, cloud_event->'data'->>'status', created_at FROM outbox_messages WHERE topic = 'workflow.order-status-changed'
        """, workflow).ExecuteReaderAsync())
    {
        while (await reader.ReadAsync())
        {
            stepEnds[(reader.GetString(0), reader.GetString(1))] = reader.GetFieldValue<DateTimeOffset>(2);
        }
    }

    var sagaStarts = new Dictionary<string, DateTimeOffset>();
    await using (var reader = await new NpgsqlCommand("""SELECT "OrderId", "CreatedAt" FROM order_sagas WHERE "Step" = 'Confirmed'""", workflow).ExecuteReaderAsync())
    {
        while (await reader.ReadAsync())
        {
            sagaStarts[reader.GetGuid(0).ToString()] = reader.GetFieldValue<DateTimeOffset>(1);
        }
    }

    List<double> Segment(Func<string, DateTimeOffset?> from, string to) =>
        [.. sagaStarts.Keys.Where(o => from(o) is not null && stepEnds.ContainsKey((o, to)))
            .Select(o => (stepEnds[(o, to)] - from(o)!.Value).TotalMilliseconds).Order()];
    var reserve = Segment(o => sagaStarts[o], "StockReserved");
    var pay = Segment(o => stepEnds.TryGetValue((o, "StockReserved"), out var at) ? at : null, "Paid");
    var commit = Segment(o => stepEnds.TryGetValue((o, "Paid"), out var at) ? at : null, "Confirmed");

    latencies.Sort();
    toWorkflow.Sort();
    double Percentile(double p) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
    double Median(List<double> values) => values[values.Count / 2];
    Console.WriteLine($"offered: {orders} orders at {rate}/s over {offeredFor.TotalSeconds:F1} s; request failures: {failures}");
    Console.WriteLine($"confirmed: {latencies.Count}, cancelled: {cancelled}, sustained to Confirmed: {latencies.Count / (last - first).TotalSeconds:F1} orders/s");
    Console.WriteLine($"checkout to Confirmed: p50 {Percentile(0.50):F0} ms, p95 {Percentile(0.95):F0} ms, p99 {Percentile(0.99):F0} ms, max {latencies[^1]:F0} ms");
    Console.WriteLine($"of which order created to saga started (outbox, relay, bus): p50 {Median(toWorkflow):F0} ms");
    double P95(List<double> values) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(0.95 * values.Count) - 1)];
    Console.WriteLine($"saga steps (p50 / p95 ms): reserve {Median(reserve):F0} / {P95(reserve):F0}, token + authorize + capture {Median(pay):F0} / {P95(pay):F0}, commit {Median(commit):F0} / {P95(commit):F0}");
}
finally
{
    await app.DisposeAsync();
    PlatformHost.DeleteDataDirectory(dataDirectory);
}
