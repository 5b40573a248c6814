using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using k8s.Models;
using TestSupport;

namespace Deployment.Tests;

/// <summary>The default published tree, once for the class.</summary>
public sealed class DefaultTree : IAsyncLifetime
{
    public PublishedTree Tree { get; private set; } = null!;

    public async Task InitializeAsync() => Tree = await PublishedTree.PublishAsync();

    public Task DisposeAsync()
    {
        Directory.Delete(Tree.Root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// What <c>aspire publish</c> writes for the AppHost's model: per app a ConfigMap, Deployment, Service, disruption
/// budget, autoscaler and NetworkPolicy; the stateful parts as StatefulSets; Dapr, KEDA, the Ingress; kustomize.
/// </summary>
public class KubernetesManifestTests(DefaultTree published) : IClassFixture<DefaultTree>
{
    private static readonly string[] HttpServices = ["basket", "catalog", "gateway", "identity", "ordering", "webapp"];
    private static readonly string[] FunctionApps = ["inventory", "orderworkflow", "payment"];
    private static readonly string[] DaprApps = ["basket", "catalog", "identity", "inventory", "ordering", "orderworkflow", "payment"];

    private PublishedTree Tree => published.Tree;

    private static string[] Sorted(IEnumerable<string> names) => names.Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Every_service_and_function_app_of_the_model_is_a_deployment_with_a_service_and_its_settings()
    {
        Assert.Equal(Sorted([.. HttpServices, .. FunctionApps]), Sorted(Tree.OfKind<V1Deployment>().Select(d => d.Metadata.Name)));
        foreach (var app in HttpServices.Concat(FunctionApps))
        {
            Assert.Contains($"base/apps/{app}.yaml", Tree.Documents.Keys);
            var deployment = Tree.Named<V1Deployment>(app);
            var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
            Assert.Equal($"{app}-config", Assert.Single(container.EnvFrom).ConfigMapRef.Name);
            Assert.Equal(app, Tree.Named<V1ConfigMap>($"{app}-config").Data["OTEL_SERVICE_NAME"]);
            Assert.Equal(deployment.Spec.Selector.MatchLabels, Tree.Named<V1Service>(app).Spec.Selector);
            Assert.Equal(deployment.Spec.Selector.MatchLabels["app.kubernetes.io/name"], deployment.Spec.Template.Metadata.Labels["app.kubernetes.io/name"]);
            Assert.Equal(8080, Assert.Single(container.Ports, p => p.Name == "http").ContainerPort);
        }

        // Basket also serves gRPC (HTTP/2 only) on its second port, and listens on every interface in a pod.
        var basket = Tree.Named<V1Service>("basket").Spec.Ports;
        Assert.Equal("kubernetes.io/h2c", Assert.Single(basket, p => p.Name == "grpc").AppProtocol);
        Assert.Equal("http://*:8081", Tree.Named<V1ConfigMap>("basket-config").Data["Kestrel__Endpoints__grpc__Url"]);
        // Calls between services go to the callee's Service; TLS ends at the Ingress, so no pod serves HTTPS.
        var ordering = Tree.Named<V1ConfigMap>("ordering-config").Data;
        Assert.Equal("http://basket:8081", ordering["services__basket__grpc__0"]);
        Assert.Equal("http://identity:8080", ordering["services__identity__http__0"]);
        Assert.DoesNotContain(Tree.OfKind<V1ConfigMap>().SelectMany(c => c.Data ?? new Dictionary<string, string>()), v => v.Value.StartsWith("https://", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_image_is_the_one_its_project_builds_with_the_sdk_container_support()
    {
        foreach (var deployment in Tree.OfKind<V1Deployment>())
        {
            var name = deployment.Metadata.Name;
            var project = Directory.EnumerateFiles(RepositoryFiles.PathOf(FunctionApps.Contains(name) ? "functions" : "services"), "*.csproj", SearchOption.AllDirectories)
                .Single(p => string.Equals(Path.GetFileName(Path.GetDirectoryName(p)), name, StringComparison.OrdinalIgnoreCase));
            var repository = XDocument.Load(project).Descendants("ContainerRepository").Single().Value;
            Assert.Equal($"{repository}:latest", deployment.Spec.Template.Spec.Containers[0].Image);
        }
    }

    [Fact]
    public void Pods_are_probed_limited_and_run_as_a_non_root_user_on_a_read_only_filesystem()
    {
        foreach (var deployment in Tree.OfKind<V1Deployment>())
        {
            var pod = deployment.Spec.Template.Spec;
            var container = pod.Containers[0];
            var annotations = deployment.Spec.Template.Metadata.Annotations ?? new Dictionary<string, string>();
            if (FunctionApps.Contains(deployment.Metadata.Name))
            {
                // The Functions host's own endpoints: the app's /health/* and /metrics are not reachable under it.
                Assert.Equal("/admin/host/ping", container.LivenessProbe.HttpGet.Path);
                Assert.Equal("/admin/host/ping", container.StartupProbe.HttpGet.Path);
                Assert.Equal("/runtime/health/ready", container.ReadinessProbe.HttpGet.Path);
                Assert.DoesNotContain(annotations.Keys, key => key.StartsWith("prometheus.io/", StringComparison.Ordinal));
            }
            else
            {
                Assert.Equal("/health/live", container.LivenessProbe.HttpGet.Path);
                Assert.Equal("/health/live", container.StartupProbe.HttpGet.Path);
                Assert.Equal("/health/ready", container.ReadinessProbe.HttpGet.Path);
                Assert.Equal("true", annotations["prometheus.io/scrape"]);
                Assert.Equal("/metrics", annotations["prometheus.io/path"]);
            }

            Assert.All(new[] { container.LivenessProbe, container.StartupProbe, container.ReadinessProbe }, p => Assert.Equal("http", p.HttpGet.Port.Value));
            Assert.All(new[] { "cpu", "memory" }, r => Assert.Contains(r, container.Resources.Requests.Keys));
            Assert.All(new[] { "cpu", "memory" }, r => Assert.Contains(r, container.Resources.Limits.Keys));
            Assert.True(pod.SecurityContext.RunAsNonRoot);
            Assert.NotEqual(0, pod.SecurityContext.RunAsUser);
            Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
            Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
            Assert.Equal("/tmp", Assert.Single(container.VolumeMounts).MountPath);
        }
    }

    [Theory]
    [InlineData("inventory", "Inventory")]
    [InlineData("orderworkflow", "OrderWorkflow")]
    [InlineData("payment", "Payment")]
    public void A_function_app_runs_under_the_functions_host_with_every_setting_its_bindings_name(string app, string project)
    {
        var config = Tree.Named<V1ConfigMap>($"{app}-config").Data;
        // The host image listens on port 80 unless told otherwise; the pod's port is 8080, as every app's.
        Assert.Equal("http://+:8080", config["ASPNETCORE_URLS"]);
        Assert.DoesNotContain("HTTP_PORTS", config.Keys);
        // The host writes its keys to a file under /tmp, the pod's one writable directory (read-only root).
        Assert.Equal("files", config["AzureWebJobsSecretStorageType"]);
        Assert.StartsWith("/tmp/", config["FUNCTIONS_SECRETS_PATH"], StringComparison.Ordinal);

        // The host resolves a binding's %Setting% from its environment, never from the app's appsettings.json:
        // every one that the app's functions.metadata names is in the ConfigMap, with the appsettings.json value.
        var configuration = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)))!; // bin/<configuration>/net10.0
        using var metadata = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.PathOf("functions", project, "bin", configuration, "net10.0", "functions.metadata")));
        using var appSettings = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.PathOf("functions", project, "appsettings.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var named = metadata.RootElement.EnumerateArray()
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray())
            .SelectMany(b => b.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).Select(p => p.Value.GetString()!))
            .SelectMany(value => Regex.Matches(value, "%([^%]+)%").Select(m => m.Groups[1].Value))
            .Distinct()
            .ToList();
        Assert.NotEmpty(named); // each app has a timer whose schedule is a setting
        Assert.All(named, setting => Assert.Equal(appSettings.RootElement.GetProperty(setting).GetString(), config[setting]));

        // Timer triggers need the host's storage account: a Secret, described in SECRETS.md.
        var storage = Assert.Single(Tree.Named<V1Deployment>(app).Spec.Template.Spec.Containers[0].Env, e => e.Name == "AzureWebJobsStorage");
        Assert.Equal("functions-storage", storage.ValueFrom.SecretKeyRef.Name);
        Assert.Contains("`functions-storage`: Azure Storage connection string", File.ReadAllText(Path.Combine(Tree.Root, "SECRETS.md")));
    }

    [Fact]
    public void Dapr_apps_carry_the_sidecar_annotations_and_each_component_is_scoped_to_the_apps_that_use_it()
    {
        foreach (var deployment in Tree.OfKind<V1Deployment>())
        {
            var annotations = deployment.Spec.Template.Metadata.Annotations;
            var name = deployment.Metadata.Name;
            if (!DaprApps.Contains(name))
            {
                Assert.DoesNotContain("dapr.io/enabled", annotations.Keys);
                continue;
            }

            Assert.Equal("true", annotations["dapr.io/enabled"]);
            Assert.Equal(name, annotations["dapr.io/app-id"]);
            Assert.Equal("8080", annotations["dapr.io/app-port"]);
            Assert.Equal("ecommerce", annotations["dapr.io/config"]);
        }

        Assert.Equal("ecommerce", Assert.Single(Tree.Custom("Configuration"))["metadata"] is Dictionary<object, object> m ? m["name"] : null);
        var components = Tree.Custom("Component").ToList();
        Assert.Equal(["lockstore", "pubsub", "secretstore", "statestore"], Sorted(components.Select(c => (string)((Dictionary<object, object>)c["metadata"])["name"])));
        // Each component to the apps that use it: the state store is Basket's alone.
        Assert.All(components, c => Assert.Equal((string)((Dictionary<object, object>)c["metadata"])["name"] == "statestore" ? ["basket"] : DaprApps,
            ((List<object>)c["scopes"]).Cast<string>()));
        var pubsub = components.Single(c => (string)((Dictionary<object, object>)c["spec"])["type"] == "pubsub.kafka");
        var brokers = ((List<object>)((Dictionary<object, object>)pubsub["spec"])["metadata"]).Cast<Dictionary<object, object>>().Single(m => (string)m["name"] == "brokers");
        Assert.Equal("kafka:9092", brokers["value"]);
        Assert.Equal(5, Tree.Custom("Subscription").Count());
        Assert.Equal(DaprApps, ((List<object>)Assert.Single(Tree.Custom("Resiliency"))["scopes"]).Cast<string>());
    }

    [Fact]
    public void Http_services_scale_on_the_seeds_targets_and_function_apps_on_kafka_lag_with_keda()
    {
        Assert.Equal(Sorted(HttpServices), Sorted(Tree.OfKind<V2HorizontalPodAutoscaler>().Select(h => h.Metadata.Name)));
        foreach (var hpa in Tree.OfKind<V2HorizontalPodAutoscaler>())
        {
            Assert.Equal((3, 20), (hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas));
            Assert.Equal(hpa.Metadata.Name, hpa.Spec.ScaleTargetRef.Name);
            Assert.Equal(70, hpa.Spec.Metrics.Single(m => m.Resource.Name == "cpu").Resource.Target.AverageUtilization);
            Assert.Equal(80, hpa.Spec.Metrics.Single(m => m.Resource.Name == "memory").Resource.Target.AverageUtilization);
            Assert.Equal(3, Tree.Named<V1Deployment>(hpa.Metadata.Name).Spec.Replicas);
            Assert.Equal("1", Tree.Named<V1PodDisruptionBudget>(hpa.Metadata.Name).Spec.MaxUnavailable.Value);
        }

        var scaled = Tree.Custom("ScaledObject").ToDictionary(s => (string)((Dictionary<object, object>)s["metadata"])["name"]);
        Assert.Equal(Sorted(FunctionApps), Sorted(scaled.Keys));
        var payment = (Dictionary<object, object>)scaled["payment"]["spec"];
        Assert.Equal("payment", ((Dictionary<object, object>)payment["scaleTargetRef"])["name"]);
        Assert.Equal("1", payment["minReplicaCount"].ToString()); // its timers (the reconciler) keep running
        var kafka = ((List<object>)payment["triggers"]).Cast<Dictionary<object, object>>().Where(t => (string)t["type"] == "kafka")
            .Select(t => (Dictionary<object, object>)t["metadata"]).ToList();
        var trigger = Assert.Single(kafka);
        Assert.Equal(("workflow.order-status-changed", "payment", "kafka:9092"), ((string)trigger["topic"], (string)trigger["consumerGroup"], (string)trigger["bootstrapServers"]));
        var workflowTopics = ((List<object>)((Dictionary<object, object>)scaled["orderworkflow"]["spec"])["triggers"]).Cast<Dictionary<object, object>>()
            .Where(t => (string)t["type"] == "kafka").Select(t => (string)((Dictionary<object, object>)t["metadata"])["topic"]);
        Assert.Equal(["inventory.reservation-expired", "ordering.order-cancel-requested", "ordering.order-submitted"], Sorted(workflowTopics));
    }

    [Fact]
    public void Only_the_gateway_is_reachable_from_outside_and_every_app_only_from_its_callers()
    {
        var ingress = Assert.Single(Tree.OfKind<V1Ingress>());
        Assert.Equal("gateway", ingress.Spec.Rules.Single().Http.Paths.Single().Backend.Service.Name);
        // TLS ends there, with the host's certificate from a Secret that SECRETS.md tells how to create.
        var tls = Assert.Single(ingress.Spec.Tls);
        Assert.Equal([ingress.Spec.Rules.Single().Host], tls.Hosts);
        Assert.Equal("shop-tls", tls.SecretName);
        Assert.Contains("create secret tls shop-tls", File.ReadAllText(Path.Combine(Tree.Root, "SECRETS.md")));

        var deny = Tree.Named<V1NetworkPolicy>("default-deny-ingress");
        Assert.Empty(deny.Spec.PodSelector.MatchLabels ?? new Dictionary<string, string>());
        Assert.Null(deny.Spec.Ingress);

        string[] Callers(string app) => Sorted(Tree.Named<V1NetworkPolicy>(app).Spec.Ingress
            .SelectMany(rule => rule.FromProperty ?? [])
            .Where(peer => peer.PodSelector is not null)
            .Select(peer => peer.PodSelector.MatchLabels["app.kubernetes.io/name"]));

        // From the AppHost's references: the gateway and the saga call Ordering; Payment is called by the saga only.
        Assert.Equal(["gateway", "orderworkflow"], Callers("ordering"));
        Assert.Equal(["orderworkflow"], Callers("payment"));
        Assert.Equal(["gateway", "ordering"], Callers("basket"));
        // The storefront's pages come through the gateway, and only through it.
        Assert.Equal(["gateway"], Callers("webapp"));
        // The gateway admits anyone (the ingress controller) on its HTTP port.
        Assert.Contains(Tree.Named<V1NetworkPolicy>("gateway").Spec.Ingress, rule => rule.FromProperty is null && rule.Ports.Single().Port.Value == "8080");
        // PostgreSQL: exactly the apps with a database; Kafka: the Dapr apps' sidecars (and KEDA's namespace).
        Assert.Equal(["catalog", "identity", "inventory", "ordering", "orderworkflow", "payment"], Callers("postgres"));
        Assert.Equal(DaprApps, Callers("kafka"));
        Assert.DoesNotContain("gateway", Callers("postgres"));
    }

    [Fact]
    public void Postgres_redis_and_kafka_are_stateful_sets_with_volume_claims_and_headless_services()
    {
        Assert.Equal(["kafka", "postgres", "redis"], Sorted(Tree.OfKind<V1StatefulSet>().Select(s => s.Metadata.Name)));
        foreach (var set in Tree.OfKind<V1StatefulSet>())
        {
            var name = set.Metadata.Name;
            Assert.Equal("data", Assert.Single(set.Spec.VolumeClaimTemplates).Metadata.Name);
            Assert.Contains(set.Spec.Template.Spec.Containers[0].VolumeMounts, m => m.Name == "data");
            Assert.Equal("None", Tree.Named<V1Service>(name).Spec.ClusterIP);
            Assert.Equal(name, set.Spec.ServiceName);
            Assert.True(set.Spec.Template.Spec.SecurityContext.RunAsNonRoot);
        }

        // Kafka in KRaft mode: broker and controller in one node, no ZooKeeper anywhere.
        var kafka = Tree.Named<V1ConfigMap>("kafka-config").Data;
        Assert.Equal("broker,controller", kafka["KAFKA_PROCESS_ROLES"]);
        Assert.Equal("PLAINTEXT://kafka:9092", kafka["KAFKA_ADVERTISED_LISTENERS"]);
        Assert.DoesNotContain(Tree.All.OfType<V1ConfigMap>().SelectMany(c => c.Data ?? new Dictionary<string, string>()), v => v.Key.Contains("ZOOKEEPER", StringComparison.Ordinal));
        // Every bounded context's database is created on the server's first start.
        var script = Tree.Named<V1ConfigMap>("postgres-init").Data["create-databases.sql"];
        Assert.All(new[] { "catalogdb", "identitydb", "inventorydb", "orderingdb", "paymentdb", "workflowdb" }, db => Assert.Contains($"CREATE DATABASE \"{db}\";", script));
    }

    [Fact]
    public void The_kustomization_lists_every_published_file_and_the_overlays_build_on_the_base()
    {
        var kustomization = (Dictionary<object, object>)Tree.Documents["base/kustomization.yaml"].Single();
        var listed = ((List<object>)kustomization["resources"]).Cast<string>().Select(r => $"base/{r}");
        var files = Tree.Documents.Keys.Where(k => k.StartsWith("base/", StringComparison.Ordinal) && k != "base/kustomization.yaml");
        Assert.Equal(Sorted(files), Sorted(listed));
        Assert.Equal("ecommerce", kustomization["namespace"]);
        Assert.Equal(["base"], ((List<object>)((Dictionary<object, object>)Tree.Documents["kustomization.yaml"].Single())["resources"]).Cast<string>());
        foreach (var profile in new[] { "dev", "prod" })
        {
            var overlay = (Dictionary<object, object>)Tree.Documents[$"overlays/{profile}/kustomization.yaml"].Single();
            Assert.Equal(["../../base"], ((List<object>)overlay["resources"]).Cast<string>());
            Assert.NotEmpty((List<object>)overlay["patches"]);
        }
    }

    [Fact]
    public void Secrets_are_references_only_and_the_guide_names_every_one_the_pods_read()
    {
        var referenced = Tree.All.Select(d => d switch
            {
                V1Deployment x => x.Spec.Template.Spec,
                V1StatefulSet x => x.Spec.Template.Spec,
                _ => null,
            })
            .OfType<V1PodSpec>()
            .SelectMany(pod => pod.Containers.SelectMany(c => c.Env ?? []))
            .Where(e => e.ValueFrom?.SecretKeyRef is not null)
            .Select(e => e.ValueFrom.SecretKeyRef.Name)
            .ToHashSet();
        Assert.Contains("postgres-password", referenced);
        Assert.Contains("identity-signing-key", referenced);
        Assert.Contains("service-secret-orderworkflow", referenced);
        Assert.Contains("storefront-key-encryption-certificate", referenced);
        var guide = File.ReadAllText(Path.Combine(Tree.Root, "SECRETS.md"));
        Assert.All(referenced, secret => Assert.Contains($"create secret generic {secret} ", guide));
        // The Secret the Dapr sidecars read their app token from (dapr.io/app-token-secret) has its `token` key too.
        Assert.Contains("create secret generic dapr-app-api-token --from-literal=value=\"$DAPR_APP_API_TOKEN\" --from-literal=token=\"$DAPR_APP_API_TOKEN\"", guide);
        Assert.Empty(Tree.OfKind<V1Secret>());
    }
}
