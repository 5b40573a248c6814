using System.Globalization;
using k8s.Models;

namespace AppHost.Kubernetes;

/// <summary>
/// A container resource of the model (PostgreSQL, Redis, Kafka) as a StatefulSet with a volume claim per
/// data volume and a headless Service, reachable only from the apps that use it. Left out when a managed
/// service replaces it (<c>external-{name}</c>).
/// </summary>
public static class StatefulWorkloads
{
    // Each image's own non-root user, which owns its data directory.
    private static readonly Dictionary<string, long> ImageUsers = new(StringComparer.Ordinal)
    {
        ["postgres"] = 999,
        ["redis"] = 999,
        ["kafka"] = 1000,
    };

    public static async Task<IReadOnlyList<object>> CreateAsync(ClusterModel cluster, ContainerResource container, CancellationToken cancellationToken)
    {
        const string component = "stateful";
        var name = container.Name;
        var image = container.Annotations.OfType<ContainerImageAnnotation>().Last();
        var imageName = image.Image.Split('/')[^1];
        var user = ImageUsers.TryGetValue(imageName, out var uid) ? uid
            : throw new InvalidOperationException($"The Kubernetes publisher does not know which user image '{image.Image}' runs as.");
        var endpoints = ClusterTopology.Endpoints(container);
        var volumes = container.Annotations.OfType<ContainerMountAnnotation>().Where(m => m.Type == ContainerMountType.Volume).ToList();

        var variables = (await cluster.EnvironmentAsync(container, cancellationToken)).ToList();
        var mounts = volumes.Select((v, i) => new V1VolumeMount { MountPath = v.Target, Name = ClaimName(i) }).ToList();
        var documents = new List<object>();
        var podVolumes = new List<V1Volume>();

        if (container is PostgresServerResource)
        {
            // A volume's root holds lost+found, which initdb refuses: the cluster lives one level down.
            variables.Add(("PGDATA", new ClusterValue($"{volumes[0].Target}/pgdata", [])));

            // Each bounded context's database exists before its service first connects.
            var databases = cluster.Model.Resources.OfType<PostgresDatabaseResource>().Where(d => d.Parent == container)
                .Select(d => d.DatabaseName).Order(StringComparer.Ordinal);
            documents.Add(new V1ConfigMap
            {
                ApiVersion = "v1",
                Kind = "ConfigMap",
                Metadata = ClusterModel.Meta(name, component, $"{name}-init"),
                Data = new Dictionary<string, string>
                {
                    ["create-databases.sql"] = string.Concat(databases.Select(d => $"CREATE DATABASE \"{d}\";\n")),
                },
            });
            podVolumes.Add(new V1Volume { Name = "init", ConfigMap = new V1ConfigMapVolumeSource { Name = $"{name}-init" } });
            mounts.Add(new V1VolumeMount { MountPath = "/docker-entrypoint-initdb.d", Name = "init", ReadOnlyProperty = true });
        }

        var (config, env) = ClusterModel.SplitEnvironment(variables);
        var arguments = await cluster.ArgumentsAsync(container, cancellationToken);
        documents.Insert(0, new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = ClusterModel.Meta(name, component, $"{name}-config"),
            Data = config,
        });

        var firstPort = ClusterTopology.TargetPort(endpoints[0]);
        documents.Add(new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = ClusterModel.Meta(name, component),
            Spec = new V1StatefulSetSpec
            {
                ServiceName = name,
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = ClusterModel.Selector(name) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = ClusterModel.Labels(name, component) },
                    Spec = new V1PodSpec
                    {
                        AutomountServiceAccountToken = false,
                        SecurityContext = ClusterModel.NonRootPod(user),
                        Containers =
                        [
                            new V1Container
                            {
                                Name = name,
                                Image = $"{(string.IsNullOrEmpty(image.Registry) ? "" : image.Registry + "/")}{image.Image}:{image.Tag}",
                                Command = container.Entrypoint is { } entrypoint ? [entrypoint] : null,
                                Args = arguments.Count == 0 ? null : arguments.Select(ClusterValues.ForEnv).ToList(),
                                Ports = endpoints.Select(e => new V1ContainerPort { ContainerPort = ClusterTopology.TargetPort(e), Name = e.Name, Protocol = "TCP" }).ToList(),
                                EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = $"{name}-config" } }],
                                Env = env.Count == 0 ? null : env,
                                ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = firstPort }, PeriodSeconds = 5, FailureThreshold = 3 },
                                LivenessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = firstPort }, PeriodSeconds = 10, FailureThreshold = 6, InitialDelaySeconds = 30 },
                                Resources = new V1ResourceRequirements
                                {
                                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m"), ["memory"] = new("512Mi") },
                                    Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2"), ["memory"] = new("2Gi") },
                                },
                                SecurityContext = ClusterModel.LockedDownContainer(readOnlyRootFilesystem: false),
                                VolumeMounts = mounts,
                            },
                        ],
                        Volumes = podVolumes.Count == 0 ? null : podVolumes,
                    },
                },
                VolumeClaimTemplates = volumes.Select((_, i) => new V1PersistentVolumeClaim
                {
                    Metadata = new V1ObjectMeta { Name = ClaimName(i), Labels = ClusterModel.Labels(name, component) },
                    Spec = new V1PersistentVolumeClaimSpec
                    {
                        AccessModes = ["ReadWriteOnce"],
                        Resources = new V1VolumeResourceRequirements
                        {
                            Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("8Gi") },
                        },
                    },
                }).ToList(),
            },
        });

        var ports = endpoints.Select(e => new V1ServicePort { Port = ClusterTopology.TargetPort(e), Name = e.Name, TargetPort = e.Name, Protocol = "TCP" }).ToList();
        documents.Add(new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = ClusterModel.Meta(name, component),
            // Headless: the StatefulSet's pod has a stable name (postgres-0.postgres), and clients reach it directly.
            Spec = new V1ServiceSpec { ClusterIP = "None", Selector = ClusterModel.Selector(name), Ports = ports },
        });

        documents.Add(NetworkPolicy(cluster, name, component, endpoints));
        return documents;
    }

    private static string ClaimName(int index) => index == 0 ? "data" : $"data-{index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The apps that reference it reach it; Kafka is reached by the Dapr sidecars (inside every Dapr app's pod)
    /// and by KEDA, which reads consumer lag.
    /// </summary>
    private static V1NetworkPolicy NetworkPolicy(ClusterModel cluster, string name, string component, IReadOnlyList<EndpointAnnotation> endpoints)
    {
        var callers = cluster.CallersOf(name).ToHashSet(StringComparer.Ordinal);
        var peers = new List<V1NetworkPolicyPeer>();
        if (name == "kafka")
        {
            callers.UnionWith(cluster.DaprApps);
            peers.Add(new V1NetworkPolicyPeer
            {
                NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "keda" } },
            });
        }

        peers.InsertRange(0, callers.Order(StringComparer.Ordinal).Select(caller => new V1NetworkPolicyPeer
        {
            PodSelector = new V1LabelSelector { MatchLabels = ClusterModel.Selector(caller) },
        }));

        return ClusterModel.IngressPolicy(name, component,
        [
            new V1NetworkPolicyIngressRule
            {
                FromProperty = peers,
                Ports = endpoints.Select(e => new V1NetworkPolicyPort { Port = ClusterTopology.TargetPort(e), Protocol = "TCP" }).ToList(),
            },
        ]);
    }
}
