using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using TestSupport;

namespace Gateway.Tests;

/// <summary>Passive failover: replayable requests that fail on one replica are answered by another; others are never repeated.</summary>
public sealed class FailoverTests
{
    private const string Items = "/api/catalog/items";

    [Fact]
    public async Task Stopping_a_replica_in_the_middle_of_a_run_of_GETs_fails_none_of_them()
    {
        await using var bed = await GatewayTestbed.StartAsync();
        const int total = 400;
        var sent = 0;
        var failures = new List<string>();
        Task? stop = null;

        async Task WorkerAsync()
        {
            int number;
            while ((number = Interlocked.Increment(ref sent)) <= total)
            {
                if (number == total / 4)
                {
                    // A quarter in, catalog-2 goes away while other requests are in flight.
                    stop = bed["catalog-2"].StopAsync();
                }

                try
                {
                    using var response = await bed.GetAsync(Items);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        lock (failures)
                        {
                            failures.Add($"{(int)response.StatusCode} from {GatewayTestbed.Upstream(response)}");
                        }
                    }
                }
                catch (HttpRequestException e)
                {
                    lock (failures)
                    {
                        failures.Add(e.Message);
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(WorkerAsync)));
        await stop!.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(failures);
        Assert.True(bed["catalog-2"].Count("GET") > 0, "catalog-2 served before it stopped");
        // Once stopped, it is out of rotation: the survivors answer everything.
        Assert.DoesNotContain("catalog-2", await LoadBalancingTests.ServedByAsync(bed, 30));
    }

    [Fact]
    public async Task A_GET_answered_503_by_one_replica_is_retried_on_another()
    {
        await using var bed = await GatewayTestbed.StartAsync();
        bed["catalog-2"].FailGetsWith = StatusCodes.Status503ServiceUnavailable;

        var served = await LoadBalancingTests.ServedByAsync(bed, 60);

        Assert.DoesNotContain("catalog-2", served);
        Assert.DoesNotContain(GatewayTestbed.CatalogBackup, served);
        // catalog-2 kept getting its turn (its health endpoint is fine) and every turn was retried elsewhere.
        Assert.True(bed["catalog-2"].Count("GET") >= 10, $"catalog-2 was tried {bed["catalog-2"].Count("GET")} times");
    }

    [Fact]
    public async Task A_replica_that_accepts_but_never_answers_is_given_up_on_and_the_GET_answered_elsewhere()
    {
        // The catalog cluster's per-try ActivityTimeout (3 s in appsettings.json), shortened for the test.
        await using var bed = await GatewayTestbed.StartAsync(new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:catalog:HttpRequest:ActivityTimeout"] = "00:00:00.300",
        });
        bed["catalog-2"].Delay = TimeSpan.FromMinutes(5);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            using var response = await bed.GetAsync(Items);
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.True(bed["catalog-2"].Count("GET") >= 1, "catalog-2 was never tried");
    }

    [Fact]
    public async Task A_replica_ejected_for_failing_requests_is_readmitted_after_the_clusters_reactivation_period_not_a_minute()
    {
        // appsettings.json: the catalog cluster's passive ReactivationPeriod is 5 s. YARP used the longer of that and its
        // failure-rate window (60 s unless configured), so a replica that recovered waited a minute for traffic.
        await using var bed = await GatewayTestbed.StartAsync(new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:catalog:HttpRequest:ActivityTimeout"] = "00:00:00.300",
        });
        // Reads time out on catalog-2 (a transport failure, which the passive check counts) and failover answers them elsewhere;
        // its readiness probe still answers, so only the passive check can take it out of rotation.
        bed["catalog-2"].Delay = TimeSpan.FromMinutes(5);
        await Eventually.TrueAsync(async () =>
        {
            var tries = bed["catalog-2"].Count("GET");
            await LoadBalancingTests.ServedByAsync(bed, 12);
            return bed["catalog-2"].Count("GET") == tries;
        }, "catalog-2 to be ejected by the passive check");

        bed["catalog-2"].Delay = TimeSpan.Zero;
        await Eventually.TrueAsync(async () => (await LoadBalancingTests.ServedByAsync(bed, 6)).Contains("catalog-2"),
            "catalog-2 to get reads again", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_cluster_whose_reactivation_period_is_shorter_than_the_failure_rate_window_stops_the_start_naming_both()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayTestbed.StartAsync(new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:ordering:HealthCheck:Passive:ReactivationPeriod"] = "00:00:02",
        }));

        Assert.Contains("ReverseProxy:Clusters:ordering:HealthCheck:Passive:ReactivationPeriod", error.Message);
        Assert.Contains("Gateway:PassiveHealth:DetectionWindowSize", error.Message);
        Assert.DoesNotContain("Clusters:catalog:", error.Message);
    }

    [Fact]
    public async Task When_every_try_fails_the_client_gets_the_last_failure()
    {
        await using var bed = await GatewayTestbed.StartAsync();
        foreach (var replica in GatewayTestbed.CatalogReplicas.Append(GatewayTestbed.CatalogBackup))
        {
            bed[replica].FailGetsWith = StatusCodes.Status503ServiceUnavailable;
        }

        using var response = await bed.GetAsync(Items);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        // Three tries (Gateway:Failover:MaxAttempts), each on a different replica, and the body of the last.
        Assert.Equal(3, bed.Backends.Values.Sum(backend => backend.Count("GET")));
        Assert.Contains("is failing", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_POST_is_never_retried()
    {
        await using var bed = await GatewayTestbed.StartAsync();
        foreach (var replica in GatewayTestbed.CatalogReplicas.Append(GatewayTestbed.CatalogBackup))
        {
            bed[replica].FailPostsWith = StatusCodes.Status503ServiceUnavailable;
        }

        using var response = await bed.SendAsync(HttpMethod.Post, Items, bed.Token("admin-1", "admin"),
            JsonContent.Create(new { name = "Mug", price = 9.5 }));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, bed.Backends.Values.Sum(backend => backend.Count("POST")));
    }

    [Fact]
    public async Task A_catalog_write_slower_than_the_reads_per_try_timeout_is_waited_for()
    {
        // Reads give a replica 300 ms here; writes go through their own cluster without that timeout,
        // because a write given up on may still commit, and the admin would see a 504 for a change made.
        await using var bed = await GatewayTestbed.StartAsync(new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:catalog:HttpRequest:ActivityTimeout"] = "00:00:00.300",
        });
        foreach (var replica in GatewayTestbed.CatalogReplicas)
        {
            bed[replica].Delay = TimeSpan.FromSeconds(1);
        }

        using var response = await bed.SendAsync(HttpMethod.Post, Items, bed.Token("admin-1", "admin"),
            JsonContent.Create(new { name = "Slow Mug", price = 9.5 }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, bed.Backends.Values.Sum(backend => backend.Count("POST")));
    }
}
