using System.Globalization;
using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Gateway.LoadBalancing;

/// <summary>
/// Load balancing policy <c>Weighted</c>: smooth weighted round-robin (nginx's algorithm) over a
/// cluster's available destinations. Destination metadata <c>Weight</c> (integer, default 1) sets a
/// destination's share; <c>Backup</c> = <c>true</c> keeps it out of rotation until no primary is
/// available (health checks and failover decide "available"). Smooth rather than plain weighted
/// round-robin so that weights 3/2/1 interleave (a b a c a b) instead of sending bursts to one
/// replica, and deterministic so that any run of sum-of-weights picks splits exactly.
/// </summary>
public sealed class WeightedLoadBalancingPolicy : ILoadBalancingPolicy
{
    public const string PolicyName = "Weighted";
    public const string WeightKey = "Weight";
    public const string BackupKey = "Backup";

    // Per cluster, so clusters do not disturb each other's rotation; weak so that a cluster removed by
    // a configuration reload takes its state with it.
    private readonly ConditionalWeakTable<ClusterState, Rotation> _rotations = new();

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        if (availableDestinations.Count == 0)
        {
            return null;
        }

        var primariesAvailable = false;
        foreach (var destination in availableDestinations)
        {
            if (!IsBackup(destination))
            {
                primariesAvailable = true;
                break;
            }
        }

        // Backups take over as a pool of their own: weighted among themselves, only when no primary is left.
        return _rotations.GetValue(cluster, static _ => new Rotation())
            .Next(availableDestinations, usingBackups: !primariesAvailable);
    }

    public static int Weight(DestinationState destination) =>
        Metadata(destination, WeightKey) is { } value
            && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var weight)
            && weight > 0
                ? weight
                : 1;

    public static bool IsBackup(DestinationState destination) =>
        Metadata(destination, BackupKey) is { } value && bool.TryParse(value, out var backup) && backup;

    private static string? Metadata(DestinationState destination, string key) =>
        destination.Model?.Config.Metadata is { } metadata && metadata.TryGetValue(key, out var value) ? value : null;

    /// <summary>Each destination's current weight. Keyed by id: a reload keeps ids, and stale ids are few and harmless.</summary>
    private sealed class Rotation
    {
        private readonly Dictionary<string, long> _current = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public DestinationState Next(IReadOnlyList<DestinationState> destinations, bool usingBackups)
        {
            lock (_lock)
            {
                DestinationState? best = null;
                var bestCurrent = long.MinValue;
                long total = 0;
                foreach (var destination in destinations)
                {
                    if (IsBackup(destination) != usingBackups)
                    {
                        continue;
                    }

                    var weight = Weight(destination);
                    var current = _current.GetValueOrDefault(destination.DestinationId) + weight;
                    _current[destination.DestinationId] = current;
                    total += weight;
                    if (current > bestCurrent)
                    {
                        best = destination;
                        bestCurrent = current;
                    }
                }

                _current[best!.DestinationId] = bestCurrent - total;
                return best;
            }
        }
    }
}
