using YamlDotNet.Serialization;

namespace AppHost.Kubernetes;

/// <summary>
/// The Dapr resources in <c>dapr/</c> (components, declarative subscriptions, the sidecar Configuration,
/// Resiliency), as published: each component scoped to the Dapr apps that use it (<see cref="AppHost.Dapr.DaprSidecarAnnotation.Components"/>),
/// the Resiliency to every Dapr app, and the brokers and Redis address the ones the cluster uses.
/// </summary>
public sealed class DaprResources
{
    /// <summary>The Configuration every sidecar uses (<c>dapr.io/config</c>): metadata.name in dapr/config.yaml.</summary>
    public const string ConfigurationName = "ecommerce";

    private readonly List<(string File, Dictionary<object, object> Document)> _documents;

    private DaprResources(List<(string, Dictionary<object, object>)> documents) => _documents = documents;

    /// <summary>Reads every YAML file under <paramref name="directory"/> (relative paths kept as the published names).</summary>
    public static DaprResources Load(string directory)
    {
        var deserializer = new DeserializerBuilder().Build();
        var documents = Directory.EnumerateFiles(directory, "*.yaml", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(file => (Path.GetRelativePath(directory, file).Replace('\\', '/'),
                deserializer.Deserialize<Dictionary<object, object>>(File.ReadAllText(file))))
            .ToList();
        return new DaprResources(documents);
    }

    /// <summary>The topics each app consumes through a declarative subscription (its scopes).</summary>
    public IReadOnlyDictionary<string, string[]> TopicsByApp() => _documents
        .Where(d => Kind(d.Document) == "Subscription")
        .SelectMany(d => Scopes(d.Document).Select(app => (App: app, Topic: (string)Spec(d.Document)["topic"])))
        .GroupBy(s => s.App)
        .ToDictionary(g => g.Key, g => g.Select(s => s.Topic).Distinct().Order(StringComparer.Ordinal).ToArray());

    /// <summary>The published documents, by file name under <c>dapr/</c>.</summary>
    public IReadOnlyList<(string File, object Document)> Publish(ClusterModel cluster)
    {
        var apps = cluster.DaprApps.Order(StringComparer.Ordinal).ToList();
        var result = new List<(string, object)>();
        foreach (var (file, document) in _documents)
        {
            if (Kind(document) == "Component")
            {
                foreach (var entry in Metadata(document))
                {
                    if (entry.TryGetValue("value", out var value) && value is string text)
                    {
                        entry["value"] = Address(cluster, text);
                    }
                }

                var name = (string)((Dictionary<object, object>)document["metadata"])["name"];
                var users = cluster.DaprAppsUsing(name).Order(StringComparer.Ordinal).ToList();
                // Dapr reads a component without scopes as every app's: one that no app declares is a mistake, not a default.
                document["scopes"] = users.Count > 0 ? users
                    : throw new InvalidOperationException($"dapr/{file}: no Dapr app uses component '{name}' (WithDaprSidecar in the AppHost names what each app uses).");
            }
            else if (Kind(document) == "Resiliency")
            {
                document["scopes"] = apps;
            }

            result.Add((file, document));
        }

        return result;
    }

    /// <summary>A component's address of a model resource ("redis:6379", "kafka:9092") as the cluster reaches it.</summary>
    private static string Address(ClusterModel cluster, string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && cluster.Model.Resources.FirstOrDefault(r => r.Name == value[..colon]) is IResourceWithEndpoints resource
            ? cluster.Topology.Address(resource)
            : value;
    }

    private static string Kind(Dictionary<object, object> document) => (string)document["kind"];

    private static Dictionary<object, object> Spec(Dictionary<object, object> document) => (Dictionary<object, object>)document["spec"];

    private static IEnumerable<string> Scopes(Dictionary<object, object> document) =>
        document.TryGetValue("scopes", out var scopes) && scopes is List<object> list ? list.Cast<string>() : [];

    private static IEnumerable<Dictionary<object, object>> Metadata(Dictionary<object, object> document) =>
        Spec(document).TryGetValue("metadata", out var metadata) && metadata is List<object> list
            ? list.OfType<Dictionary<object, object>>() : [];
}
