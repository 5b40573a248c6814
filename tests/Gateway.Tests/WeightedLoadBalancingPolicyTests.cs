using Gateway.LoadBalancing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Gateway.Tests;

/// <summary>The policy on its own: the exact smooth sequence, its backup pool, and its thread safety.</summary>
public sealed class WeightedLoadBalancingPolicyTests
{
    private readonly WeightedLoadBalancingPolicy _policy = new();
    private readonly ClusterState _cluster = new("catalog");

    private static DestinationState Destination(string id, int? weight = null, bool backup = false)
    {
        var metadata = new Dictionary<string, string>();
        if (weight is not null)
        {
            metadata["Weight"] = weight.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (backup)
        {
            metadata["Backup"] = "true";
        }

        return new DestinationState(id, new DestinationModel(new DestinationConfig { Address = $"http://{id}", Metadata = metadata }));
    }

    private string Pick(IReadOnlyList<DestinationState> available) =>
        _policy.PickDestination(new DefaultHttpContext(), _cluster, available)!.DestinationId;

    [Fact]
    public void Weights_3_2_1_interleave_smoothly_and_split_exactly()
    {
        DestinationState[] available = [Destination("a", 3), Destination("b", 2), Destination("c", 1), Destination("backup", backup: true)];

        var picks = Enumerable.Range(0, 12).Select(_ => Pick(available)).ToArray();

        // nginx's smooth weighted round-robin: no replica gets its whole share in one burst.
        Assert.Equal(["a", "b", "a", "c", "b", "a", "a", "b", "a", "c", "b", "a"], picks);
    }

    [Fact]
    public void Missing_or_invalid_weight_counts_as_one()
    {
        DestinationState[] available = [Destination("a"), Destination("b", 0), Destination("c", 2)];

        var counts = Enumerable.Range(0, 400).Select(_ => Pick(available)).CountBy(id => id).ToDictionary();

        Assert.Equal(100, counts["a"]);
        Assert.Equal(100, counts["b"]);
        Assert.Equal(200, counts["c"]);
    }

    [Fact]
    public void Backups_serve_only_when_no_primary_is_available()
    {
        var primary = Destination("a", 3);
        var backup1 = Destination("backup-1", 1, backup: true);
        var backup2 = Destination("backup-2", 1, backup: true);

        Assert.All(Enumerable.Range(0, 20), _ => Assert.Equal("a", Pick([backup1, primary, backup2])));

        var counts = Enumerable.Range(0, 20).Select(_ => Pick([backup1, backup2])).CountBy(id => id).ToDictionary();
        Assert.Equal(10, counts["backup-1"]);
        Assert.Equal(10, counts["backup-2"]);
    }

    [Fact]
    public void No_available_destination_picks_none() =>
        Assert.Null(_policy.PickDestination(new DefaultHttpContext(), _cluster, []));

    [Fact]
    public async Task Concurrent_picks_keep_the_exact_split()
    {
        DestinationState[] available = [Destination("a", 3), Destination("b", 2), Destination("c", 1)];
        var picks = new System.Collections.Concurrent.ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 750; i++)
            {
                picks.Add(Pick(available));
            }
        })));

        var counts = picks.CountBy(id => id).ToDictionary();
        Assert.Equal(3000, counts["a"]);
        Assert.Equal(2000, counts["b"]);
        Assert.Equal(1000, counts["c"]);
    }
}
