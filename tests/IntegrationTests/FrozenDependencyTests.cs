using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// Redis, and separately PostgreSQL, frozen (SIGSTOP, then SIGCONT) in the middle of a batch of checkouts for
/// longer than every client timeout, as a long pause or a network partition looks to the platform: no process
/// exits, every order of the batch ends consistently, an order placed afterwards confirms, and catalog reads
/// are served from cache where the cache holds them.
/// </summary>
/// <remarks>
/// The freeze is held until a watcher client with the production defaults has timed out (Redis: two commands
/// of 5 s in turn; PostgreSQL: a command on an open connection, 30 s, and a new connection, 15 s), so it
/// outlasts every client timeout of the services, which use the same defaults or shorter ones.
/// </remarks>
[Collection(PlatformCollection.Name)]
public class FrozenDependencyTests(PlatformFixture platform, Xunit.Abstractions.ITestOutputHelper output)
{
    private readonly HttpClient _gateway = platform.Gateway;
    private readonly HttpClient _admin = platform.AdminClient();

    private sealed record Accepted(Guid OrderId, string Status);
    private sealed record OrderView(Guid OrderId, string Status, string? Reason, decimal Total);
    private sealed record StockLevel(int ProductId, int OnHand, int Reserved, int Available);

    [Fact]
    public async Task Redis_frozen_mid_batch_ends_no_process_and_every_order_consistently()
    {
        var redisPid = Pid("redis");
        await using var watcher = await ConnectionMultiplexer.ConnectAsync(await platform.App.GetConnectionStringAsync("redis")
            ?? throw new InvalidOperationException("no redis connection string"));

        await RunBatchThroughFreezeAsync("redis",
            freeze: () => Signal([redisPid], "STOP"),
            thaw: () => Signal([redisPid], "CONT"),
            holdFrozen: async () =>
            {
                // Two PINGs in turn, each timing out after the client default (5 s sync and async): every Redis
                // client of the platform has had its commands time out at least once.
                var timeouts = 0;
                await Eventually.TrueAsync(async () =>
                {
                    try
                    {
                        await watcher.GetDatabase().PingAsync();
                        timeouts = 0;
                    }
                    catch (Exception)
                    {
                        // A timeout, or the connection given up as dead: no answer either way.
                        timeouts++;
                    }

                    return timeouts >= 2;
                }, "Redis to stay frozen past the clients' timeouts", TimeSpan.FromMinutes(2));
            });
    }

    [Fact]
    public async Task Postgres_frozen_mid_batch_ends_no_process_and_every_order_consistently()
    {
        var scriptPid = Pid("postgres");
        var database = await platform.App.GetConnectionStringAsync("orderingdb")
            ?? throw new InvalidOperationException("no orderingdb connection string");
        await using var open = new NpgsqlConnection(database + ";Pooling=false");
        await open.OpenAsync();
        IReadOnlyList<int> frozen = [];

        var reads = await RunBatchThroughFreezeAsync("postgres",
            // Every process of the server: the postmaster and each backend (the script above them stays running).
            freeze: () => frozen = ProcessTree.Signal(scriptPid, "STOP"),
            // Also any process forked since, though a stopped postmaster forks none.
            thaw: () => ProcessTree.Signal(scriptPid, "CONT"),
            holdFrozen: async () =>
            {
                output.WriteLine($"froze {frozen.Count} postgres processes");
                // A command on an open connection (CommandTimeout, 30 s by default) and a new connection
                // (Timeout, 15 s by default) both have to give up: the longest client timeouts of the services.
                var command = Task.Run(async () =>
                {
                    await using var select = new NpgsqlCommand("SELECT 1", open);
                    await select.ExecuteScalarAsync();
                });
                var connect = Task.Run(async () =>
                {
                    await using var fresh = new NpgsqlConnection(database + ";Pooling=false");
                    await fresh.OpenAsync();
                });
                await Eventually.TrueAsync(() => command.IsCompleted && connect.IsCompleted,
                    "PostgreSQL to stay frozen past the clients' timeouts", TimeSpan.FromMinutes(2));
                Assert.True(command.IsFaulted, "a command was answered by a frozen PostgreSQL");
                Assert.True(connect.IsFaulted, "a connection was opened to a frozen PostgreSQL");
            });

        // Once reads went unanswered, the product (whose copy the catalog keeps) was served from the copy without the
        // frozen database being asked (DatabaseReadCircuit): the answer says so.
        Assert.Contains(reads, read => read.EndsWith("(catalog; hit; detail=database-not-asked)", StringComparison.Ordinal));
        // The product list too: the page each replica read last (LastKnownPages), where before it failed until PostgreSQL
        // was back.
        Assert.Contains(reads, read => read.StartsWith("200 ", StringComparison.Ordinal)
            && read.EndsWith("[list]", StringComparison.Ordinal) && read.Contains("(catalog; hit; detail=database-", StringComparison.Ordinal));

        // And once PostgreSQL is back, a list no replica kept is read from it again (the circuit closes on its own).
        await Eventually.TrueAsync(async () =>
        {
            using var fresh = await _gateway.GetAsync($"/api/catalog/items?pageSize=3&q=thaw-{Guid.NewGuid():N}");
            return fresh.StatusCode == HttpStatusCode.OK && !fresh.Headers.Contains("Cache-Status");
        }, "a product list read from PostgreSQL after the thaw");
    }

    /// <returns>The outcome of each catalog read made from just before the freeze until after the thaw.</returns>
    private async Task<IReadOnlyList<string>> RunBatchThroughFreezeAsync(string dependency, Action freeze, Action thaw, Func<Task> holdFrozen)
    {
        var product = await CreateStockedProductAsync($"Freeze {dependency}", onHand: 100);
        // Read once so that the catalog caches it.
        Assert.Equal(HttpStatusCode.OK, (await _gateway.GetAsync($"/api/catalog/items/{product}")).StatusCode);
        var before = ProcessSnapshot();

        var users = Enumerable.Range(0, 20).Select(_ => Tokens.For($"freeze-{Guid.NewGuid():N}")).ToArray();
        var submissions = users.Select(user => CheckOutAsync(user, product)).ToList();
        await Eventually.UntilAsync(() => Task.FromResult(submissions.Count(t => t.IsCompleted)), n => n >= 5,
            TimeSpan.FromMinutes(2), "five accepted orders");

        var reads = new ConcurrentQueue<(TimeSpan At, string Outcome)>();
        using var stopReading = new CancellationTokenSource();
        var reading = ReadCatalogAsync(product, reads, stopReading.Token);
        var frozenFor = Stopwatch.StartNew();
        Dictionary<string, string> health;
        try
        {
            freeze();
            await holdFrozen();
            health = await ProbeHealthAsync();
        }
        finally
        {
            thaw(); // never leave a stopped process behind, whatever failed
        }

        foreach (var (resource, report) in health.OrderBy(h => h.Key))
        {
            output.WriteLine($"{resource} while {dependency} was frozen: {report}");
        }

        output.WriteLine($"{dependency} was frozen for {frozenFor.Elapsed}");
        await stopReading.CancelAsync();
        await reading;
        foreach (var (at, outcome) in reads.OrderBy(r => r.At))
        {
            output.WriteLine($"catalog read at {at:mm\\:ss\\.fff}: {outcome}");
        }

        // Printed before any assertion, so a failure shows which process, if any, went away.
        var afterwards = ProcessSnapshot();
        foreach (var (resource, process) in afterwards.OrderBy(p => p.Key))
        {
            output.WriteLine($"{resource} after the thaw: pid {process.Pid}, {process.State} (before: pid {before[resource].Pid}, {before[resource].State})");
        }

        // Every process still answered while frozen: alive, and saying how ready it is.
        Assert.All(health, h => Assert.StartsWith("live 200", h.Value));

        var orders = await Task.WhenAll(submissions);
        var finished = await Task.WhenAll(orders.Select(o => Eventually.UntilAsync(
            () => OrderAsync(o.User, o.OrderId),
            order => order?.Status is "Confirmed" or "Cancelled",
            TimeSpan.FromMinutes(3),
            $"order {o.OrderId} to finish after {dependency} thawed")));
        output.WriteLine($"{finished.Count(o => o!.Status == "Confirmed")} confirmed, cancelled: " +
            string.Join(", ", finished.Where(o => o!.Status == "Cancelled").GroupBy(o => o!.Reason).Select(g => $"{g.Key} {g.Count()}")));

        await AssertConsistentAsync(product, 100, finished!);

        // An order placed afterwards confirms.
        var after = await CheckOutAsync(Tokens.For($"freeze-after-{Guid.NewGuid():N}"), product);
        var late = await Eventually.UntilAsync(() => OrderAsync(after.User, after.OrderId),
            order => order?.Status is "Confirmed" or "Cancelled", TimeSpan.FromMinutes(2), "the order placed after the freeze to finish");
        Assert.Equal("Confirmed", late!.Status);

        // No process of the platform exited or was restarted.
        Assert.Equal(before, ProcessSnapshot());
        Assert.All(before, p => Assert.False(Process.GetProcessById(p.Value.Pid).HasExited, $"{p.Key} exited"));

        // The product was read before the freeze, so a cache (in process, Redis or the last copy read)
        // holds it and serves it; a replica that could not reach any copy in time refuses cleanly (503),
        // never with a 500 or a hang.
        Assert.NotEmpty(reads);
        Assert.All(reads, read => Assert.Matches("^(200|503) ", read.Outcome));
        Assert.Contains(reads, read => read.Outcome.StartsWith("200 ", StringComparison.Ordinal));
        return [.. reads.Select(read => read.Outcome)];
    }

    /// <summary>
    /// A shopper who keeps trying: the basket line and the checkout are sent again (same Idempotency-Key) until
    /// Ordering accepts, so an order whose answer was lost in the freeze is found again rather than duplicated.
    /// </summary>
    private async Task<(string User, Guid OrderId)> CheckOutAsync(string user, int product)
    {
        var key = Guid.NewGuid().ToString();
        var accepted = await Eventually.UntilAsync(async () =>
        {
            try
            {
                var line = await SendAsync(HttpMethod.Put, $"/api/basket/items/{product}", user, new { quantity = 1 });
                if (!line.IsSuccessStatusCode)
                {
                    return null;
                }

                var response = await SendAsync(HttpMethod.Post, "/api/orders", user, new
                {
                    shippingAddress = new { street = "1 Freeze Road", city = "Testville", postalCode = "1", country = "NL" },
                    paymentToken = "tok_ok",
                }, key);
                return response.StatusCode == HttpStatusCode.Accepted ? await response.Content.ReadFromJsonAsync<Accepted>() : null;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return null;
            }
        }, a => a is not null, TimeSpan.FromMinutes(3), $"the checkout of {user[..8]} to be accepted");
        return (user, accepted!.OrderId);
    }

    private async Task<OrderView?> OrderAsync(string user, Guid orderId)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Get, $"/api/orders/{orderId}", user);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<OrderView>() : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Confirmed orders captured and their stock committed, cancelled ones nothing captured and their stock released.</summary>
    private async Task AssertConsistentAsync(int product, int onHand, IReadOnlyList<OrderView> finished)
    {
        var confirmed = finished.Count(o => o.Status == "Confirmed");
        // Reservations are released or committed by the saga's last steps, acknowledged before the status is published.
        Assert.Equal(new StockLevel(product, onHand - confirmed, 0, onHand - confirmed), await _admin.GetFromJsonAsync<StockLevel>($"/api/inventory/{product}"));
        using var payment = platform.App.AdminClientOf("payment");
        foreach (var order in finished)
        {
            using var response = await payment.GetAsync($"/api/payments/{order.OrderId}");
            var status = response.StatusCode == HttpStatusCode.NotFound
                ? "none" // never authorized
                : System.Text.Json.JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync())
                    .RootElement.GetProperty("payment").GetProperty("status").GetString();
            if (order.Status == "Confirmed")
            {
                Assert.Equal("Captured", status);
            }
            else
            {
                Assert.True(status is "none" or "Declined" or "Voided" or "Refunded", $"cancelled order {order.OrderId} ({order.Reason}) has a payment {status}");
            }
        }
    }

    /// <summary>
    /// Starts a read of the product, and one of the first page of the product list (which every catalog replica keeps from
    /// its warm-up), through the gateway every half second until stopped, noting each outcome; a list read's ends "[list]".
    /// </summary>
    private async Task ReadCatalogAsync(int product, ConcurrentQueue<(TimeSpan, string)> reads, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        using var client = platform.App.CreateHttpClient("gateway");
        client.Timeout = TimeSpan.FromSeconds(30);
        var started = new List<Task>();
        while (!stop.IsCancellationRequested)
        {
            started.Add(ReadOnceAsync($"/api/catalog/items/{product}", ""));
            started.Add(ReadOnceAsync("/api/catalog/items", " [list]"));
            // Pacing of the observer, not a synchronisation: reads overlap, so a slow one hides none after it.
            await Task.Delay(TimeSpan.FromMilliseconds(500), stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await Task.WhenAll(started);

        async Task ReadOnceAsync(string path, string suffix)
        {
            var at = clock.Elapsed;
            try
            {
                using var response = await client.GetAsync(path, CancellationToken.None);
                var cacheStatus = response.Headers.TryGetValues("Cache-Status", out var values) ? $" ({string.Join(", ", values)})" : "";
                reads.Enqueue((at, $"{(int)response.StatusCode} after {(clock.Elapsed - at).TotalMilliseconds:F0} ms{cacheStatus}{suffix}"));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                reads.Enqueue((at, ex.GetType().Name + suffix));
            }
        }
    }

    /// <summary>Each project's /health/live and /health/ready, asked directly: "live 200, ready 503: check status, ...".</summary>
    private async Task<Dictionary<string, string>> ProbeHealthAsync()
    {
        var model = platform.App.Services.GetRequiredService<DistributedApplicationModel>();
        var probes = model.Resources.OfType<ProjectResource>().Select(async project =>
        {
            using var client = platform.App.CreateHttpClient(project.Name);
            client.Timeout = TimeSpan.FromSeconds(20);
            return (project.Name, Report: $"live {await StatusAsync(client, "/health/live")}, ready {await StatusAsync(client, "/health/ready")}");
        });
        return (await Task.WhenAll(probes)).ToDictionary(p => p.Name, p => p.Report);

        static async Task<string> StatusAsync(HttpClient client, string path)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                using var response = await client.GetAsync(path);
                var unhealthy = "";
                if (path.EndsWith("ready", StringComparison.Ordinal))
                {
                    var text = await response.Content.ReadAsStringAsync();
                    using var body = System.Text.Json.JsonDocument.Parse(text);
                    unhealthy = body.RootElement.TryGetProperty("checks", out var checks)
                        ? string.Join("; ", checks.EnumerateArray()
                            .Where(c => c.GetProperty("status").GetString() != "Healthy")
                            .Select(c => $"{c.GetProperty("name").GetString()} {c.GetProperty("status").GetString()}"))
                        : text[..Math.Min(text.Length, 200)];
                }

                return $"{(int)response.StatusCode} in {clock.ElapsedMilliseconds} ms {unhealthy}".TrimEnd();
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                return $"{ex.GetType().Name} after {clock.ElapsedMilliseconds} ms";
            }
        }
    }

    private async Task<int> CreateStockedProductAsync(string name, int onHand)
    {
        var created = await _admin.PostAsJsonAsync("/api/catalog/items",
            new { name = $"{name} {Guid.NewGuid():N}"[..30], price = 4m, categoryId = 1, brandId = 1 });
        var product = (await created.Content.ReadFromJsonAsync<CatalogItem>())!.Id;
        (await _admin.PutAsJsonAsync($"/api/inventory/{product}", new { onHand })).EnsureSuccessStatusCode();
        return product;
    }

    /// <summary>Every executable and project resource of the platform with its process id and state.</summary>
    private Dictionary<string, (int Pid, string? State)> ProcessSnapshot()
    {
        var model = platform.App.Services.GetRequiredService<DistributedApplicationModel>();
        return model.Resources.OfType<IResourceWithEnvironment>()
            .Where(r => r is ProjectResource or ExecutableResource)
            .Select(r => r.Name)
            .ToDictionary(name => name, name =>
            {
                Assert.True(platform.App.ResourceNotifications.TryGetCurrentState(name, out var state), $"no state for {name}");
                return (Pid(name), state.Snapshot.State?.Text);
            });
    }

    private int Pid(string resource)
    {
        Assert.True(platform.App.ResourceNotifications.TryGetCurrentState(resource, out var state), $"no state for {resource}");
        return Convert.ToInt32(state.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value);
    }

    private static void Signal(IEnumerable<int> pids, string signal) =>
        Process.Start("kill", [$"-{signal}", .. pids.Select(p => p.ToString())])!.WaitForExit();

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, object? body = null, string? idempotencyKey = null) =>
        _gateway.SendAsUserAsync(method, path, token, body, idempotencyKey);
}
