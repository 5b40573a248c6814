using System.Xml.Linq;
using AppHost.Dapr;
using k8s.Models;

namespace AppHost.Kubernetes;

/// <summary>
/// The AppHost's model as the cluster sees it: who calls whom (from <c>WithReference</c>), which resource
/// is a Dapr app, which topics each Dapr app consumes, and what each resource is given at start.
/// </summary>
public sealed class ClusterModel
{
    public const string PartOf = "ecommerce";

    private readonly DistributedApplicationExecutionContext _executionContext;
    private readonly Dictionary<string, HashSet<string>> _callers = new();

    public ClusterModel(DistributedApplicationModel model, DistributedApplicationExecutionContext executionContext,
        KubernetesSettings settings, IReadOnlyDictionary<string, string[]> topicsByApp)
    {
        Model = model;
        _executionContext = executionContext;
        Settings = settings;
        Topology = new ClusterTopology(settings.External);
        Values = new ClusterValues(Topology);
        TopicsByApp = topicsByApp;

        foreach (var caller in model.Resources)
        {
            foreach (var reference in caller.Annotations.OfType<ResourceRelationshipAnnotation>().Where(r => r.Type == "Reference"))
            {
                var callee = Workload(reference.Resource);
                if (callee != caller.Name)
                {
                    (_callers.TryGetValue(callee, out var set) ? set : _callers[callee] = []).Add(caller.Name);
                }
            }
        }
    }

    public DistributedApplicationModel Model { get; }

    public KubernetesSettings Settings { get; }

    public ClusterTopology Topology { get; }

    public ClusterValues Values { get; }

    public IReadOnlyDictionary<string, string[]> TopicsByApp { get; }

    public IEnumerable<ProjectResource> Apps => Model.Resources.OfType<ProjectResource>();

    public IEnumerable<ContainerResource> Containers => Model.Resources.OfType<ContainerResource>()
        .Where(c => c.TryGetLastAnnotation<ContainerImageAnnotation>(out _));

    public IEnumerable<string> DaprApps => Model.Resources
        .Select(r => r.TryGetLastAnnotation<DaprSidecarAnnotation>(out var dapr) ? dapr.AppId : null).OfType<string>();

    /// <summary>The Dapr apps that use the component named <paramref name="component"/>.</summary>
    public IEnumerable<string> DaprAppsUsing(string component) => Model.Resources
        .Select(r => r.TryGetLastAnnotation<DaprSidecarAnnotation>(out var dapr) && dapr.Components.Contains(component) ? dapr.AppId : null)
        .OfType<string>();

    /// <summary>The resources that call <paramref name="workload"/> (a database counts as its server).</summary>
    public IReadOnlyCollection<string> CallersOf(string workload) =>
        _callers.TryGetValue(workload, out var set) ? set.Order(StringComparer.Ordinal).ToArray() : [];

    /// <summary>The workload that serves a resource: a database is served by its server.</summary>
    public static string Workload(IResource resource) =>
        resource is IResourceWithParent child ? Workload(child.Parent) : resource.Name;

    public static Dictionary<string, string> Labels(string name, string component) => new()
    {
        ["app.kubernetes.io/name"] = name,
        ["app.kubernetes.io/component"] = component,
        ["app.kubernetes.io/part-of"] = PartOf,
    };

    public static Dictionary<string, string> Selector(string name) => new() { ["app.kubernetes.io/name"] = name };

    /// <summary>An object of workload <paramref name="app"/>, named <paramref name="name"/> (the workload's own name unless given).</summary>
    public static V1ObjectMeta Meta(string app, string component, string? name = null) => new()
    {
        Name = name ?? app,
        Labels = Labels(app, component),
    };

    /// <summary>Who may reach the workload's pods: only what <paramref name="rules"/> admit.</summary>
    public static V1NetworkPolicy IngressPolicy(string name, string component, IList<V1NetworkPolicyIngressRule> rules) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = Meta(name, component),
        Spec = new V1NetworkPolicySpec
        {
            PodSelector = new V1LabelSelector { MatchLabels = Selector(name) },
            PolicyTypes = ["Ingress"],
            Ingress = rules,
        },
    };

    /// <summary>A pod that runs as <paramref name="user"/>, never as root, under the runtime's default seccomp profile.</summary>
    public static V1PodSecurityContext NonRootPod(long user) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = user,
        RunAsGroup = user,
        FsGroup = user,
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    /// <summary>A container with no capabilities and no way to gain privileges; read-only root where the image allows.</summary>
    public static V1SecurityContext LockedDownContainer(bool readOnlyRootFilesystem) => new()
    {
        AllowPrivilegeEscalation = false,
        ReadOnlyRootFilesystem = readOnlyRootFilesystem ? true : null,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
    };

    /// <summary>The image repository a project declares for the SDK's container build (<c>ContainerRepository</c>).</summary>
    public static string ImageRepository(ProjectResource project)
    {
        var path = project.GetProjectMetadata().ProjectPath;
        var repository = XDocument.Load(path).Descendants("ContainerRepository").Select(e => e.Value.Trim()).FirstOrDefault();
        return string.IsNullOrEmpty(repository)
            ? throw new InvalidOperationException($"{Path.GetFileName(path)} declares no <ContainerRepository>: the manifests need its image name.")
            : repository;
    }

    /// <summary>What the model gives a resource at start, as the cluster gives it.</summary>
    public async Task<IReadOnlyList<(string Name, ClusterValue Value)>> EnvironmentAsync(IResource resource, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, object>();
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(new EnvironmentCallbackContext(_executionContext, resource, variables, cancellationToken));
        }

        var result = new List<(string, ClusterValue)>();
        foreach (var (name, value) in variables.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            result.Add((name, await Values.TranslateAsync(value, cancellationToken)));
        }

        return result;
    }

    public async Task<IReadOnlyList<ClusterValue>> ArgumentsAsync(IResource resource, CancellationToken cancellationToken)
    {
        var arguments = new List<object>();
        foreach (var callback in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(new CommandLineArgsCallbackContext(arguments, resource, cancellationToken) { ExecutionContext = _executionContext });
        }

        var result = new List<ClusterValue>();
        foreach (var argument in arguments)
        {
            result.Add(await Values.TranslateAsync(argument, cancellationToken));
        }

        return result;
    }

    /// <summary>
    /// Splits a resource's settings: plain ones into its ConfigMap, secrets as variables read from their
    /// Secret (declared before anything that refers to them), values built from secrets as expandable text.
    /// </summary>
    public static (Dictionary<string, string> Config, List<V1EnvVar> Env) SplitEnvironment(IEnumerable<(string Name, ClusterValue Value)> variables)
    {
        var config = new Dictionary<string, string>();
        var secretVariables = new Dictionary<string, V1EnvVar>();
        var composed = new List<V1EnvVar>();
        foreach (var (name, value) in variables)
        {
            if (value.IsPlain)
            {
                config[name] = value.Text;
                continue;
            }

            // The value is the secret and nothing else: read it from the Secret under the setting's own name.
            if (value.Secrets.Count == 1 && value.Text == $"$({ClusterValue.SecretVariable(value.Secrets[0])})")
            {
                composed.Add(ClusterValue.SecretEnv(name, value.Secrets[0]));
                continue;
            }

            foreach (var secret in value.Secrets)
            {
                var variable = ClusterValue.SecretVariable(secret);
                secretVariables.TryAdd(variable, ClusterValue.SecretEnv(variable, secret));
            }

            composed.Add(new V1EnvVar { Name = name, Value = ClusterValues.ForEnv(value) });
        }

        return (config, [.. secretVariables.Values.OrderBy(v => v.Name, StringComparer.Ordinal), .. composed]);
    }
}
