using System.Diagnostics;
using System.Reflection;
using k8s;
using k8s.Models;
using TestSupport;

namespace Deployment.Tests;

/// <summary>
/// A tree published from the AppHost as <c>aspire publish -o</c> does it (the CLI builds the AppHost, then runs
/// it with <c>--operation publish --step publish --output-path</c>), read back: every document of every file,
/// Kubernetes kinds as KubernetesClient's typed models, strictly (an unknown field fails).
/// </summary>
public sealed class PublishedTree
{
    /// <summary>The build configuration of this suite (Debug or Release): publishing runs the AppHost built alongside it.</summary>
    public static readonly string Configuration =
        typeof(PublishedTree).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

    // Custom resources have no typed model here: read as plain maps (validate/ checks them against KEDA's schema
    // and Dapr's required fields).
    private static readonly Dictionary<string, Type> CustomKinds = new()
    {
        ["keda.sh/v1alpha1/ScaledObject"] = typeof(Dictionary<object, object>),
        ["dapr.io/v1alpha1/Component"] = typeof(Dictionary<object, object>),
        ["dapr.io/v1alpha1/Subscription"] = typeof(Dictionary<object, object>),
        ["dapr.io/v1alpha1/Configuration"] = typeof(Dictionary<object, object>),
        ["dapr.io/v1alpha1/Resiliency"] = typeof(Dictionary<object, object>),
    };

    private PublishedTree(string root, IReadOnlyDictionary<string, IReadOnlyList<object>> documents)
    {
        Root = root;
        Documents = documents;
    }

    public string Root { get; }

    /// <summary>Every document, by its file's path relative to the root.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<object>> Documents { get; }

    public IEnumerable<object> All => Documents.Values.SelectMany(d => d);

    public IEnumerable<T> OfKind<T>() => All.OfType<T>();

    public T Named<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        OfKind<T>().SingleOrDefault(o => o.Metadata.Name == name) ?? throw new KeyNotFoundException($"no {typeof(T).Name} named {name}");

    public IEnumerable<Dictionary<object, object>> Custom(string kind) =>
        All.OfType<Dictionary<object, object>>().Where(d => (string)d["kind"] == kind);

    public string Text(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    /// <summary>Publishes into a new folder with the given AppHost arguments (<c>--Parameters:name=value</c>).</summary>
    public static async Task<PublishedTree> PublishAsync(params string[] arguments)
    {
        var root = Directory.CreateTempSubdirectory("ecommerce-k8s-").FullName;
        var appHost = RepositoryFiles.PathOf("AppHost", "bin", Configuration, "net10.0", "AppHost.dll");
        var start = new ProcessStartInfo("dotnet", [appHost, "--operation", "publish", "--step", "publish", "--output-path", root, .. arguments])
        {
            WorkingDirectory = RepositoryFiles.PathOf("AppHost"),
        };
        var publish = await ChildProcess.RunAsync(start, TimeSpan.FromMinutes(2));
        Assert.True(publish.ExitCode == 0, $"publish failed ({publish.ExitCode}):\n{publish.All}");
        return Read(root);
    }

    public static PublishedTree Read(string root)
    {
        var documents = new SortedDictionary<string, IReadOnlyList<object>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*.yaml", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            var text = File.ReadAllText(file);
            documents[relative] = Path.GetFileName(file) == "kustomization.yaml"
                ? [new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(text)]
                : KubernetesYaml.LoadAllFromString(text, CustomKinds, strict: true);
        }

        return new PublishedTree(root, documents);
    }
}
