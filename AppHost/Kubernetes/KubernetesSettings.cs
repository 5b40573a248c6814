using System.Globalization;

namespace AppHost.Kubernetes;

/// <summary>
/// What a deployment chooses when it publishes (parameters, so <c>aspire publish</c> takes them as
/// <c>--Parameters:name=value</c> or <c>Parameters__name</c>): where images come from, the namespace and
/// host, the seed's scaling targets, and managed services in place of the stateful parts.
/// </summary>
public sealed record KubernetesSettings(
    string ImageRegistry,
    string ImageTag,
    string Namespace,
    string IngressHost,
    string IngressClass,
    string IngressTlsSecret,
    int MinReplicas,
    int MaxReplicas,
    int CpuPercent,
    int MemoryPercent,
    int? RequestsPerSecond,
    int KafkaLagThreshold,
    string OtlpEndpoint,
    string MonitoringNamespace,
    IReadOnlyDictionary<string, (string Host, int Port)> External)
{
    /// <summary>The stateful resources a managed service can replace (<c>external-{name}</c> = <c>host:port</c>).</summary>
    public static readonly string[] Replaceable = ["postgres", "redis", "kafka"];

    private static readonly (string Name, string Default)[] Parameters =
    [
        ("image-registry", ""),
        ("image-tag", "latest"),
        ("k8s-namespace", "ecommerce"),
        ("ingress-host", "shop.local"),
        ("ingress-class", "nginx"),
        // The kubernetes.io/tls Secret holding the shop host's certificate: TLS ends at the Ingress.
        ("ingress-tls-secret", "shop-tls"),
        ("hpa-min-replicas", "3"),
        ("hpa-max-replicas", "20"),
        ("hpa-cpu-percent", "70"),
        ("hpa-memory-percent", "80"),
        // The seed's 100 requests/s per pod needs a custom-metrics adapter (Prometheus Adapter serving
        // http_server_requests_per_second); left out unless set.
        ("hpa-requests-per-second", ""),
        ("kafka-lag-threshold", "50"),
        ("otlp-endpoint", "http://otel-collector.observability:4317"),
        ("monitoring-namespace", "monitoring"),
        .. Replaceable.Select(name => ($"external-{name}", "")),
    ];

    public static void AddParameters(IDistributedApplicationBuilder builder)
    {
        foreach (var (name, value) in Parameters)
        {
            builder.AddParameterWithDefault(name, value);
        }
    }

    public static async Task<KubernetesSettings> ResolveAsync(DistributedApplicationModel model, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, string>();
        foreach (var (name, _) in Parameters)
        {
            var parameter = model.Resources.OfType<ParameterResource>().Single(p => p.Name == name);
            values[name] = (await parameter.GetValueAsync(cancellationToken) ?? "").Trim();
        }

        int Number(string name) => int.TryParse(values[name], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n : throw new ArgumentException($"Parameter {name} must be a positive whole number, not '{values[name]}'.");

        var external = new Dictionary<string, (string, int)>();
        foreach (var name in Replaceable)
        {
            var at = values[$"external-{name}"];
            if (at.Length == 0)
            {
                continue;
            }

            var colon = at.LastIndexOf(':');
            external[name] = colon > 0 && int.TryParse(at[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                ? (at[..colon], port)
                : throw new ArgumentException($"Parameter external-{name} must be host:port, not '{at}'.");
        }

        return new KubernetesSettings(
            values["image-registry"].TrimEnd('/'), values["image-tag"], values["k8s-namespace"], values["ingress-host"],
            values["ingress-class"], values["ingress-tls-secret"], Number("hpa-min-replicas"), Number("hpa-max-replicas"), Number("hpa-cpu-percent"),
            Number("hpa-memory-percent"), values["hpa-requests-per-second"].Length == 0 ? null : Number("hpa-requests-per-second"),
            Number("kafka-lag-threshold"), values["otlp-endpoint"], values["monitoring-namespace"], external);
    }

    public string Image(string repository) => ImageRegistry.Length == 0 ? repository : $"{ImageRegistry}/{repository}";
}
