using System.Collections.Concurrent;
using System.Net;
using TestSupport;
using Xunit.Abstractions;

namespace IntegrationTests;

/// <summary>
/// The gateway spreads catalog reads over the AppHost's catalog replicas by weight (catalog 3,
/// catalog-2 2, catalog-3 1), keeps catalog-backup for when every primary is down, and survives a
/// replica process dying mid-run. The gateway names the replica that answered in X-Upstream (local runs).
/// Each test leaves every replica running again.
/// </summary>
[Collection(PlatformCollection.Name)]
public class LoadBalancingTests(PlatformFixture platform, ITestOutputHelper output)
{
    private static readonly string[] Primaries = ["catalog", "catalog-2", "catalog-3"];
    private const string Backup = "catalog-backup";
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(90);

    private static int _reads;

    private async Task<(HttpStatusCode Status, string? Upstream)> GetAsync()
    {
        // A query of its own for every read: the gateway keeps the catalog's public reads for a second (a shared
        // cache, keyed by the query too) and would otherwise answer instead of a replica.
        using var response = await platform.Gateway.GetAsync($"/api/catalog/items/1?read={Interlocked.Increment(ref _reads)}");
        Assert.Null(response.Headers.Age);
        return (response.StatusCode, response.Headers.TryGetValues("X-Upstream", out var values) ? values.Single() : null);
    }

    private async Task<Dictionary<string, int>> SplitAsync(int requests)
    {
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < requests; i++)
        {
            var (status, upstream) = await GetAsync();
            Assert.Equal(HttpStatusCode.OK, status);
            counts[upstream!] = counts.GetValueOrDefault(upstream!) + 1;
        }

        output.WriteLine(string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}")));
        return counts;
    }

    /// <summary>Stops the replica's process and waits until its endpoint no longer answers.</summary>
    private Task StopAsync(string replica) => platform.App.StopAsync(replica, Recovery);

    /// <summary>Starts the replicas again and waits until the gateway routes to every one of them.</summary>
    private async Task RestoreAsync(params string[] replicas)
    {
        await Task.WhenAll(replicas.Select(replica => platform.App.StartAgainAsync(replica, Recovery)));

        // Readmitted by the gateway's active health checks.
        var seen = new HashSet<string>();
        await Eventually.UntilAsync(async () => { seen.Add((await GetAsync()).Upstream ?? ""); return seen; },
            s => replicas.All(s.Contains), Recovery, $"the gateway to route to {string.Join(", ", replicas)} again");
    }

    [Fact]
    public async Task Over_six_hundred_reads_the_split_follows_the_weights_and_the_backup_stays_idle()
    {
        // Whatever ran before (a replica stopped and started again), start from full rotation: a replica the
        // gateway ejected comes back at its next active probe (every 10 s), and in full rotation any six
        // consecutive reads (weights 3/2/1) reach all three primaries.
        await Eventually.UntilAsync(async () =>
            {
                var six = new HashSet<string>();
                for (var i = 0; i < 6; i++)
                {
                    six.Add((await GetAsync()).Upstream ?? "");
                }

                return six;
            },
            six => Primaries.All(six.Contains), Recovery, "six consecutive reads to reach every primary");

        var counts = await SplitAsync(600);

        Assert.InRange(counts.GetValueOrDefault("catalog"), 270, 330);
        Assert.InRange(counts.GetValueOrDefault("catalog-2"), 180, 220);
        Assert.InRange(counts.GetValueOrDefault("catalog-3"), 90, 110);
        Assert.Equal(0, counts.GetValueOrDefault(Backup));
    }

    [Fact]
    public async Task A_replica_stopped_mid_run_costs_no_failed_reads()
    {
        var failures = new ConcurrentBag<string>();
        var served = new ConcurrentDictionary<string, int>();
        const int StopAfter = 150, ReadsAfterStop = 300;
        var sent = 0;
        var afterStop = 0;
        Task? stop = null;
        var deadline = DateTime.UtcNow + Recovery;

        async Task ReaderAsync()
        {
            // Reads go on while the replica shuts down and dies, and for a while after it is gone.
            while (DateTime.UtcNow < deadline)
            {
                if (Interlocked.Increment(ref sent) == StopAfter)
                {
                    Volatile.Write(ref stop, StopAsync("catalog-2"));
                }

                if (Volatile.Read(ref stop) is { IsCompleted: true } && Interlocked.Increment(ref afterStop) > ReadsAfterStop)
                {
                    return;
                }

                try
                {
                    var (status, upstream) = await GetAsync();
                    if (status != HttpStatusCode.OK)
                    {
                        failures.Add($"{(int)status} from {upstream}");
                    }
                    else
                    {
                        served.AddOrUpdate(upstream!, 1, (_, count) => count + 1);
                    }
                }
                catch (HttpRequestException ex)
                {
                    failures.Add(ex.Message);
                }
            }
        }

        try
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ReaderAsync()));
            Assert.True(stop is { IsCompleted: true }, "catalog-2 did not stop within the deadline");
            await stop; // its own assertions
            output.WriteLine($"sent {served.Values.Sum() + failures.Count}, failed {failures.Count}; served: {string.Join(", ", served.OrderBy(s => s.Key).Select(s => $"{s.Key}={s.Value}"))}");
            foreach (var failure in failures.Take(10))
            {
                output.WriteLine(failure);
            }

            Assert.Empty(failures);
            // And the replica really went away: the last reads went elsewhere.
            var after = await SplitAsync(60);
            Assert.Equal(0, after.GetValueOrDefault("catalog-2"));
        }
        finally
        {
            await RestoreAsync("catalog-2");
        }
    }

    [Fact]
    public async Task With_every_primary_down_the_backup_pool_serves()
    {
        try
        {
            foreach (var replica in Primaries)
            {
                await StopAsync(replica);
            }

            // Once the primaries are ejected, reads come from the backup alone.
            await Eventually.UntilAsync(GetAsync, r => r.Status == HttpStatusCode.OK && r.Upstream == Backup, Recovery, "the backup to serve");
            var counts = await SplitAsync(30);
            Assert.Equal(30, counts.GetValueOrDefault(Backup));
        }
        finally
        {
            await RestoreAsync(Primaries);
        }

        // Primaries back: the backup is idle again.
        Assert.Equal(0, (await SplitAsync(60)).GetValueOrDefault(Backup));
    }
}
