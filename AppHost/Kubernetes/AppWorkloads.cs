using System.Globalization;
using AppHost.Dapr;
using k8s.Models;

namespace AppHost.Kubernetes;

/// <summary>
/// One service or function app of the model as Kubernetes runs it: its settings, Deployment, Service,
/// disruption budget, autoscaler (an HPA for HTTP services, a KEDA ScaledObject for function apps) and
/// the NetworkPolicy that admits only its callers. A function app's pod runs the Azure Functions host
/// (<see cref="FunctionsHostPod"/>).
/// </summary>
public static class AppWorkloads
{
    /// <summary>The .NET images' non-root user (<c>app</c>, UID 1654).</summary>
    private const long AppUser = 1654;

    // The health endpoints every service maps (ServiceDefaults): alive, and ready to take traffic.
    private const string LivenessPath = "/health/live";
    private const string ReadinessPath = "/health/ready";

    public static async Task<IReadOnlyList<object>> CreateAsync(ClusterModel cluster, ProjectResource app, CancellationToken cancellationToken)
    {
        var settings = cluster.Settings;
        var name = app.Name;
        var isFunctionApp = app.IsFunctionApp();
        var component = isFunctionApp ? "function-app" : "service";
        var endpoints = ClusterTopology.Endpoints(app);
        var http = endpoints.FirstOrDefault(e => e.Name == "http")
            ?? throw new InvalidOperationException($"{name} has no 'http' endpoint to probe.");
        var dapr = app.TryGetLastAnnotation<DaprSidecarAnnotation>(out var sidecar) ? sidecar : null;
        var isPublic = endpoints.Any(e => e.IsExternal);

        var (config, env) = ClusterModel.SplitEnvironment(await cluster.EnvironmentAsync(app, cancellationToken));
        config["OTEL_EXPORTER_OTLP_ENDPOINT"] = settings.OtlpEndpoint;
        config["OTEL_SERVICE_NAME"] = name;
        if (isFunctionApp)
        {
            FunctionsHostPod.AddHostSettings(app, config);
        }

        var configMap = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = ClusterModel.Meta(name, component, $"{name}-config"),
            Data = config,
        };

        // Replicated HTTP services keep the seed's minimum; function apps start at one and KEDA scales them.
        var replicas = isFunctionApp ? 1 : settings.MinReplicas;
        // A service serves its metrics on /metrics as well as sending them (OTLP); under the Functions host the
        // app's own endpoints are not reachable, so a function app only sends them.
        var podAnnotations = isFunctionApp ? new Dictionary<string, string>() : new Dictionary<string, string>
        {
            ["prometheus.io/scrape"] = "true",
            ["prometheus.io/port"] = Port(http),
            ["prometheus.io/path"] = "/metrics",
        };
        var (liveness, readiness) = isFunctionApp ? (FunctionsHostPod.LivenessPath, FunctionsHostPod.ReadinessPath) : (LivenessPath, ReadinessPath);
        if (dapr is not null)
        {
            podAnnotations["dapr.io/enabled"] = "true";
            podAnnotations["dapr.io/app-id"] = dapr.AppId;
            podAnnotations["dapr.io/app-port"] = Port(http);
            podAnnotations["dapr.io/config"] = DaprResources.ConfigurationName;
            podAnnotations["dapr.io/enable-metrics"] = "true";
            podAnnotations["dapr.io/metrics-port"] = "9090";
            // The sidecar calls the app with this token (dapr-api-token) and the app's event routes accept it.
            podAnnotations["dapr.io/app-token-secret"] = dapr.AppApiToken.Name;
        }

        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = ClusterModel.Meta(name, component),
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = ClusterModel.Selector(name) },
                Strategy = new V1DeploymentStrategy
                {
                    Type = "RollingUpdate",
                    RollingUpdate = new V1RollingUpdateDeployment { MaxUnavailable = 0, MaxSurge = 1 },
                },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = ClusterModel.Labels(name, component), Annotations = podAnnotations },
                    Spec = new V1PodSpec
                    {
                        AutomountServiceAccountToken = false,
                        SecurityContext = ClusterModel.NonRootPod(AppUser),
                        TerminationGracePeriodSeconds = 30,
                        Containers =
                        [
                            new V1Container
                            {
                                Name = name,
                                Image = $"{settings.Image(ClusterModel.ImageRepository(app))}:{settings.ImageTag}",
                                ImagePullPolicy = "IfNotPresent",
                                Ports = endpoints.Select(e => new V1ContainerPort { ContainerPort = ClusterTopology.TargetPort(e), Name = e.Name, Protocol = "TCP" }).ToList(),
                                EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = configMap.Metadata.Name } }],
                                Env = env.Count == 0 ? null : env,
                                StartupProbe = Probe(liveness, http, period: 2, failures: 60),
                                LivenessProbe = Probe(liveness, http, period: 10, failures: 3),
                                ReadinessProbe = Probe(readiness, http, period: 5, failures: 3),
                                // A function app's pod runs two .NET processes, the host and the app.
                                Resources = new V1ResourceRequirements
                                {
                                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new(isFunctionApp ? "320Mi" : "192Mi") },
                                    Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new(isFunctionApp ? "768Mi" : "512Mi") },
                                },
                                SecurityContext = ClusterModel.LockedDownContainer(readOnlyRootFilesystem: true),
                                // A read-only root filesystem: .NET and ASP.NET Core still need a writable temp directory,
                                // and the Functions host writes there too (its logs, and its keys: FunctionsHostPod.SecretsPath).
                                VolumeMounts = [new V1VolumeMount { MountPath = "/tmp", Name = "tmp" }],
                            },
                        ],
                        Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("64Mi") } }],
                    },
                },
            },
        };

        var service = new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = ClusterModel.Meta(name, component),
            Spec = new V1ServiceSpec
            {
                Selector = ClusterModel.Selector(name),
                Ports = endpoints.Select(e => new V1ServicePort
                {
                    Port = ClusterTopology.TargetPort(e),
                    Name = e.Name,
                    TargetPort = e.Name,
                    Protocol = "TCP",
                    AppProtocol = e.Transport == "http2" ? "kubernetes.io/h2c" : "http",
                }).ToList(),
            },
        };

        var documents = new List<object> { configMap, deployment, service };
        documents.Add(new V1PodDisruptionBudget
        {
            ApiVersion = "policy/v1",
            Kind = "PodDisruptionBudget",
            Metadata = ClusterModel.Meta(name, component),
            Spec = new V1PodDisruptionBudgetSpec
            {
                MaxUnavailable = 1,
                Selector = new V1LabelSelector { MatchLabels = ClusterModel.Selector(name) },
            },
        });
        documents.Add(isFunctionApp ? ScaledObject(cluster, name, dapr) : Autoscaler(settings, name, component));
        documents.Add(NetworkPolicy(cluster, name, component, endpoints, isPublic));
        return documents;
    }

    private static string Port(EndpointAnnotation endpoint) =>
        ClusterTopology.TargetPort(endpoint).ToString(CultureInfo.InvariantCulture);

    private static V1Probe Probe(string path, EndpointAnnotation endpoint, int period, int failures) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = endpoint.Name },
        PeriodSeconds = period,
        TimeoutSeconds = 3,
        FailureThreshold = failures,
    };

    /// <summary>The seed's scaling for an HTTP service: CPU 70 %, memory 80 %, 3 to 20 replicas (parameters).</summary>
    private static V2HorizontalPodAutoscaler Autoscaler(KubernetesSettings settings, string name, string component)
    {
        var metrics = new List<V2MetricSpec>
        {
            new()
            {
                Type = "Resource",
                Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = settings.CpuPercent } },
            },
            new()
            {
                Type = "Resource",
                Resource = new V2ResourceMetricSource { Name = "memory", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = settings.MemoryPercent } },
            },
        };
        if (settings.RequestsPerSecond is { } perPod)
        {
            // Served by a custom-metrics adapter from the pods' own request metrics (README, Deploy to Kubernetes).
            metrics.Add(new V2MetricSpec
            {
                Type = "Pods",
                Pods = new V2PodsMetricSource
                {
                    Metric = new V2MetricIdentifier { Name = "http_server_requests_per_second" },
                    Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity(perPod.ToString(CultureInfo.InvariantCulture)) },
                },
            });
        }

        return new V2HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v2",
            Kind = "HorizontalPodAutoscaler",
            Metadata = ClusterModel.Meta(name, component),
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { Kind = "Deployment", Name = name, ApiVersion = "apps/v1" },
                MinReplicas = settings.MinReplicas,
                MaxReplicas = settings.MaxReplicas,
                Metrics = metrics,
            },
        };
    }

    /// <summary>
    /// KEDA scales a function app on its Kafka consumer lag, one trigger per topic it consumes (its Dapr app id
    /// is its consumer group), and on CPU for its HTTP work. At least one replica runs: the apps' timers
    /// (sweepers, the payment reconciler) must keep running when no event comes.
    /// </summary>
    private static Dictionary<string, object> ScaledObject(ClusterModel cluster, string name, DaprSidecarAnnotation? dapr)
    {
        var triggers = new List<object>();
        if (dapr is not null && cluster.TopicsByApp.TryGetValue(dapr.AppId, out var topics))
        {
            var brokers = cluster.Topology.Address(cluster.Model.Resources.OfType<IResourceWithEndpoints>().Single(r => r.Name == "kafka"));
            triggers.AddRange(topics.Select(topic => new Dictionary<string, object>
            {
                ["type"] = "kafka",
                ["metadata"] = new Dictionary<string, string>
                {
                    ["bootstrapServers"] = brokers,
                    ["consumerGroup"] = dapr.AppId,
                    ["topic"] = topic,
                    ["lagThreshold"] = cluster.Settings.KafkaLagThreshold.ToString(CultureInfo.InvariantCulture),
                    ["offsetResetPolicy"] = "earliest",
                },
            }));
        }

        triggers.Add(new Dictionary<string, object>
        {
            ["type"] = "cpu",
            ["metricType"] = "Utilization",
            ["metadata"] = new Dictionary<string, string> { ["value"] = cluster.Settings.CpuPercent.ToString(CultureInfo.InvariantCulture) },
        });

        return new Dictionary<string, object>
        {
            ["apiVersion"] = "keda.sh/v1alpha1",
            ["kind"] = "ScaledObject",
            ["metadata"] = ClusterModel.Meta(name, "function-app"),
            ["spec"] = new Dictionary<string, object>
            {
                ["scaleTargetRef"] = new Dictionary<string, string> { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name },
                ["minReplicaCount"] = 1,
                ["maxReplicaCount"] = cluster.Settings.MaxReplicas,
                ["pollingInterval"] = 15,
                ["cooldownPeriod"] = 300,
                ["triggers"] = triggers,
            },
        };
    }

    /// <summary>
    /// Only the apps that reference this one in the AppHost (and the metrics scraper) reach it; the public one,
    /// the gateway, is reached from anywhere (the ingress controller).
    /// </summary>
    private static V1NetworkPolicy NetworkPolicy(ClusterModel cluster, string name, string component,
        IReadOnlyList<EndpointAnnotation> endpoints, bool isPublic)
    {
        var ports = endpoints.Select(e => new V1NetworkPolicyPort { Port = ClusterTopology.TargetPort(e), Protocol = "TCP" }).ToList();
        var rules = new List<V1NetworkPolicyIngressRule>();
        if (isPublic)
        {
            rules.Add(new V1NetworkPolicyIngressRule { Ports = ports });
        }
        else if (cluster.CallersOf(name) is { Count: > 0 } callers)
        {
            rules.Add(new V1NetworkPolicyIngressRule
            {
                FromProperty = callers.Select(caller => new V1NetworkPolicyPeer
                {
                    PodSelector = new V1LabelSelector { MatchLabels = ClusterModel.Selector(caller) },
                }).ToList(),
                Ports = ports,
            });
        }

        rules.Add(MonitoringRule(cluster.Settings, [ports[0], new V1NetworkPolicyPort { Port = 9090, Protocol = "TCP" }]));
        return ClusterModel.IngressPolicy(name, component, rules);
    }

    private static V1NetworkPolicyIngressRule MonitoringRule(KubernetesSettings settings, List<V1NetworkPolicyPort> ports) => new()
    {
        FromProperty =
        [
            new V1NetworkPolicyPeer
            {
                NamespaceSelector = new V1LabelSelector
                {
                    MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = settings.MonitoringNamespace },
                },
            },
        ],
        Ports = ports,
    };
}
