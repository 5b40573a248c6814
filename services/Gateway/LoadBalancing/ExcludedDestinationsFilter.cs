using Yarp.ReverseProxy.Configuration;

namespace Gateway.LoadBalancing;

/// <summary>
/// Leaves the destinations named in <c>Gateway:ExcludedDestinations</c> out of every cluster. The clusters
/// list every replica the platform can run; a deployment that runs fewer (the AppHost's
/// <c>catalog-replicas</c>, for a small machine) names the ones it does not run, and the gateway neither
/// routes to nor probes them.
/// </summary>
public sealed class ExcludedDestinationsFilter(IConfiguration configuration) : IProxyConfigFilter
{
    public const string ConfigurationKey = "Gateway:ExcludedDestinations";

    private readonly HashSet<string> _excluded = [.. configuration.GetSection(ConfigurationKey).Get<string[]>() ?? []];

    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel) =>
        ValueTask.FromResult(_excluded.Count == 0 || cluster.Destinations is null
            ? cluster
            : cluster with
            {
                Destinations = cluster.Destinations.Where(d => !_excluded.Contains(ConfiguredId(d.Key))).ToDictionary(StringComparer.OrdinalIgnoreCase),
            });

    // Service discovery has already resolved each destination into one per address, named "{id}[{address}]".
    private static string ConfiguredId(string destinationId) =>
        destinationId.IndexOf('[', StringComparison.Ordinal) is > 0 and var bracket ? destinationId[..bracket] : destinationId;

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel) =>
        ValueTask.FromResult(route);
}
