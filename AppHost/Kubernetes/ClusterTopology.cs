using System.Globalization;

namespace AppHost.Kubernetes;

/// <summary>
/// Where each resource of the model is reached inside the cluster: its Service, named after the resource,
/// on its endpoints' target ports (a Service here exposes each port as itself). A stateful resource
/// replaced by a managed service (<c>external-{name}</c> parameter, <c>host:port</c>) is reached there.
/// </summary>
public sealed class ClusterTopology(IReadOnlyDictionary<string, (string Host, int Port)> external)
{
    public bool IsExternal(IResource resource) => external.ContainsKey(resource.Name);

    public string Host(IResource resource) => external.TryGetValue(resource.Name, out var at) ? at.Host : resource.Name;

    public int Port(EndpointReference endpoint) =>
        external.TryGetValue(endpoint.Resource.Name, out var at) ? at.Port : TargetPort(endpoint.EndpointAnnotation);

    /// <summary>A resource's endpoints, its HTTP one first: the port probes and Dapr use, and 8080 in a pod.</summary>
    public static List<EndpointAnnotation> Endpoints(IResource resource) => resource.Annotations.OfType<EndpointAnnotation>()
        .OrderBy(e => e.Name == "http" ? 0 : 1).ThenBy(e => e.Name, StringComparer.Ordinal).ToList();

    public static int TargetPort(EndpointAnnotation endpoint) => endpoint.TargetPort
        ?? throw new InvalidOperationException($"Endpoint '{endpoint.Name}' has no target port; the Kubernetes publisher assigns one to every project endpoint first.");

    /// <summary>host:port of a resource's first endpoint, as the cluster reaches it (Kafka's brokers, Redis for Dapr).</summary>
    public string Address(IResourceWithEndpoints resource) =>
        $"{Host(resource)}:{Port(new EndpointReference(resource, Endpoints(resource)[0]))}";

    public string Url(EndpointReference endpoint) =>
        $"{endpoint.EndpointAnnotation.UriScheme}://{Host(endpoint.Resource)}:{Port(endpoint)}";

    public string Property(EndpointReferenceExpression expression) => expression.Property switch
    {
        EndpointProperty.Url => Url(expression.Endpoint),
        EndpointProperty.Host or EndpointProperty.IPV4Host => Host(expression.Endpoint.Resource),
        EndpointProperty.Port => Port(expression.Endpoint).ToString(CultureInfo.InvariantCulture),
        // What a process listens on inside its own pod.
        EndpointProperty.TargetPort => TargetPort(expression.Endpoint.EndpointAnnotation).ToString(CultureInfo.InvariantCulture),
        EndpointProperty.Scheme => expression.Endpoint.EndpointAnnotation.UriScheme,
        EndpointProperty.HostAndPort => $"{Host(expression.Endpoint.Resource)}:{Port(expression.Endpoint)}",
        EndpointProperty.TlsEnabled => expression.Endpoint.TlsEnabled ? "True" : "False",
        _ => throw new InvalidOperationException($"Endpoint property {expression.Property} has no Kubernetes equivalent."),
    };
}
