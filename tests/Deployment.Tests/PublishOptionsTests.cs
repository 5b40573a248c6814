using System.Diagnostics;
using k8s.Models;
using TestSupport;

namespace Deployment.Tests;

/// <summary>
/// Publishing with parameters: the manifests follow the model (a resource added appears without a list to keep
/// in step), secret values never reach the output, managed services replace the stateful parts, and the tree
/// passes validators that share no code with the publisher.
/// </summary>
public class PublishOptionsTests
{
    [Fact]
    public async Task Secret_values_given_to_the_publish_appear_nowhere_in_the_output()
    {
        string[] secrets = ["postgres-password", "redis-password", "identity-signing-key", "admin-password", "dapr-app-api-token",
            "service-secret-ordering", "service-secret-orderworkflow", "storefront-key-encryption-certificate"];
        var values = secrets.ToDictionary(s => s, s => $"{s}-VALUE-{Guid.NewGuid():N}");
        var tree = await PublishedTree.PublishAsync([.. values.Select(v => $"--Parameters:{v.Key}={v.Value}")]);
        try
        {
            foreach (var file in Directory.EnumerateFiles(tree.Root, "*", SearchOption.AllDirectories))
            {
                var text = await File.ReadAllTextAsync(file);
                Assert.All(values, v => Assert.DoesNotContain(v.Value, text));
            }

            // Read from the Secret named after each parameter instead.
            var identity = tree.Named<V1Deployment>("identity").Spec.Template.Spec.Containers[0].Env.ToList();
            Assert.Equal("identity-signing-key", identity.Single(e => e.Name == "Jwt__SigningKey").ValueFrom.SecretKeyRef.Name);
            var connection = identity.Single(e => e.Name == "ConnectionStrings__identitydb").Value;
            Assert.Contains("Password=$(SECRET_POSTGRES_PASSWORD)", connection);
            Assert.True(identity.FindIndex(e => e.Name == "SECRET_POSTGRES_PASSWORD") < identity.FindIndex(e => e.Name == "ConnectionStrings__identitydb"),
                "a variable refers only to variables declared before it");
        }
        finally
        {
            Directory.Delete(tree.Root, recursive: true);
        }
    }

    [Fact]
    public async Task A_resource_added_to_the_model_is_published_with_everything_an_app_gets()
    {
        // Two catalog replicas are two catalog resources in the model: the second gets its own workload, and
        // the gateway no longer leaves it out of its catalog cluster.
        var tree = await PublishedTree.PublishAsync("--Parameters:catalog-replicas=2");
        try
        {
            Assert.Contains("base/apps/catalog-2.yaml", tree.Documents.Keys);
            Assert.Equal("catalog-2", tree.Named<V1Deployment>("catalog-2").Spec.Template.Metadata.Annotations["dapr.io/app-id"]);
            tree.Named<V2HorizontalPodAutoscaler>("catalog-2");
            tree.Named<V1NetworkPolicy>("catalog-2");
            var gateway = tree.Named<V1ConfigMap>("gateway-config").Data;
            Assert.Equal("http://catalog-2:8080", gateway["services__catalog-2__http__0"]);
            Assert.DoesNotContain("catalog-2", gateway.Where(s => s.Key.StartsWith("Gateway__ExcludedDestinations", StringComparison.Ordinal)).Select(s => s.Value));
        }
        finally
        {
            Directory.Delete(tree.Root, recursive: true);
        }
    }

    [Fact]
    public async Task A_managed_postgres_replaces_the_stateful_set_and_every_connection_string_points_at_it()
    {
        var tree = await PublishedTree.PublishAsync("--Parameters:external-postgres=orders-db.postgres.example:6432", "--Parameters:image-registry=registry.example/shop", "--Parameters:image-tag=1.4.2");
        try
        {
            Assert.DoesNotContain("base/stateful/postgres.yaml", tree.Documents.Keys);
            Assert.Equal(["kafka", "redis"], tree.OfKind<V1StatefulSet>().Select(s => s.Metadata.Name).Order());
            var ordering = tree.Named<V1Deployment>("ordering").Spec.Template.Spec.Containers[0];
            Assert.StartsWith("Host=orders-db.postgres.example;Port=6432;", ordering.Env.Single(e => e.Name == "ConnectionStrings__orderingdb").Value);
            Assert.Equal("registry.example/shop/ecommerce/ordering:1.4.2", ordering.Image);
        }
        finally
        {
            Directory.Delete(tree.Root, recursive: true);
        }
    }

    [Fact]
    public async Task Managed_redis_and_kafka_replace_their_stateful_sets_for_apps_dapr_and_keda_and_a_request_rate_joins_the_autoscalers()
    {
        var tree = await PublishedTree.PublishAsync("--Parameters:external-redis=cache.redis.example:6380",
            "--Parameters:external-kafka=events.kafka.example:9093", "--Parameters:hpa-requests-per-second=100");
        try
        {
            Assert.Equal(["postgres"], tree.OfKind<V1StatefulSet>().Select(s => s.Metadata.Name));
            var basket = tree.Named<V1Deployment>("basket").Spec.Template.Spec.Containers[0];
            Assert.StartsWith("cache.redis.example:6380", basket.Env.Single(e => e.Name == "ConnectionStrings__redis").Value);

            // Dapr's components and KEDA's triggers reach the same managed services.
            string Setting(string component, string name) => (string)((List<object>)((Dictionary<object, object>)tree.Custom("Component")
                    .Single(c => (string)((Dictionary<object, object>)c["metadata"])["name"] == component)["spec"])["metadata"])
                .Cast<Dictionary<object, object>>().Single(m => (string)m["name"] == name)["value"];
            Assert.Equal("cache.redis.example:6380", Setting("statestore", "redisHost"));
            Assert.Equal("cache.redis.example:6380", Setting("lockstore", "redisHost"));
            Assert.Equal("events.kafka.example:9093", Setting("pubsub", "brokers"));
            var triggers = tree.Custom("ScaledObject").SelectMany(o => (List<object>)((Dictionary<object, object>)o["spec"])["triggers"])
                .Cast<Dictionary<object, object>>().Where(t => (string)t["type"] == "kafka").ToList();
            Assert.NotEmpty(triggers);
            Assert.All(triggers, t => Assert.Equal("events.kafka.example:9093", ((Dictionary<object, object>)t["metadata"])["bootstrapServers"]));

            // The source document's 100 requests/s per pod, for a custom-metrics adapter to serve.
            Assert.All(tree.OfKind<V2HorizontalPodAutoscaler>(), hpa =>
            {
                var pods = Assert.Single(hpa.Spec.Metrics, m => m.Type == "Pods").Pods;
                Assert.Equal(("http_server_requests_per_second", "AverageValue", "100"),
                    (pods.Metric.Name, pods.Target.Type, pods.Target.AverageValue.ToString()));
            });
        }
        finally
        {
            Directory.Delete(tree.Root, recursive: true);
        }
    }

    [Fact]
    public async Task The_READMEs_publish_commands_write_the_tree_with_the_images_they_name()
    {
        // "Deploy to Kubernetes", step 2, as written but for the output folder (the reader's choice); run through the
        // repository's Aspire CLI with the configuration this suite was built in (an environment variable MSBuild reads).
        var readme = await File.ReadAllLinesAsync(RepositoryFiles.PathOf("README.md"));
        var restore = Assert.Single(readme, line => line.StartsWith("dotnet tool restore", StringComparison.Ordinal));
        var publish = Assert.Single(readme, line => line.StartsWith("dotnet aspire publish ", StringComparison.Ordinal));
        var output = Directory.CreateTempSubdirectory("ecommerce-readme-k8s-").FullName;
        try
        {
            foreach (var command in new[] { restore, publish.Replace("-o deploy/k8s ", $"-o {output} ", StringComparison.Ordinal) })
            {
                var start = new ProcessStartInfo("bash", ["-c", command]) { WorkingDirectory = RepositoryFiles.PathOf() };
                start.Environment["Configuration"] = PublishedTree.Configuration;
                var run = await ChildProcess.RunAsync(start, TimeSpan.FromMinutes(5));
                Assert.True(run.ExitCode == 0, $"{command} ended {run.ExitCode}:\n{run.Output}\n{run.Error}");
            }

            var tree = PublishedTree.Read(output);
            Assert.Contains("kustomization.yaml", tree.Documents.Keys);
            Assert.Contains("--Parameters:image-registry=registry.example.com --Parameters:image-tag=1.0.0", publish);
            Assert.Equal("registry.example.com/ecommerce/gateway:1.0.0", tree.Named<V1Deployment>("gateway").Spec.Template.Spec.Containers[0].Image);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> ValidateAsync(string root)
    {
        // The first run installs the validators' npm packages.
        var validate = await ChildProcess.RunAsync(
            new ProcessStartInfo(RepositoryFiles.PathOf("tests", "Deployment.Tests", "validate", "validate.sh"), [root]), TimeSpan.FromMinutes(5));
        return (validate.ExitCode, validate.All);
    }

    [Fact]
    public async Task The_published_tree_passes_the_kubernetes_keda_and_dapr_schemas_and_yamllint_and_a_broken_one_does_not()
    {
        var tree = await PublishedTree.PublishAsync();
        try
        {
            var (exitCode, output) = await ValidateAsync(tree.Root);
            Assert.True(exitCode == 0, output);
            Assert.Contains(", 0 failures", output);
            Assert.Contains("yamllint: no problems", output);

            // The same validators refuse a Deployment whose replica count is not a number.
            var file = Path.Combine(tree.Root, "base", "apps", "ordering.yaml");
            await File.WriteAllTextAsync(file, (await File.ReadAllTextAsync(file)).Replace("replicas: 3", "replicas: three", StringComparison.Ordinal));
            (exitCode, output) = await ValidateAsync(tree.Root);
            Assert.NotEqual(0, exitCode);
            Assert.Contains("replicas must be integer", output);
        }
        finally
        {
            Directory.Delete(tree.Root, recursive: true);
        }
    }
}
