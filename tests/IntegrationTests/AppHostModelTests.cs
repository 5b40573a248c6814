using AppHost;
using AppHost.Infrastructure;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace IntegrationTests;

/// <summary>
/// The AppHost's application model in each infrastructure mode, built but not started: container mode
/// cannot run on machines without a container engine, so its model is checked here instead.
/// </summary>
public class AppHostModelTests
{
    private static async Task<IDistributedApplicationTestingBuilder> ModelAsync(params string[] args) =>
        await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [.. args, $"--LocalInfrastructure:DataDirectory={Path.Combine(Path.GetTempPath(), "ecommerce-model-tests")}"]);

    private static IResource Resource(IDistributedApplicationTestingBuilder builder, string name) =>
        builder.Resources.Single(r => r.Name == name);

    [Fact]
    public async Task Container_mode_uses_pinned_postgres_15_and_redis_7_images()
    {
        await using var builder = await ModelAsync("--Infrastructure:Mode=containers");

        var postgres = Assert.IsType<PostgresServerResource>(Resource(builder, "postgres"));
        var redis = Assert.IsType<RedisResource>(Resource(builder, "redis"));
        Assert.True(postgres.TryGetContainerImageName(out var postgresImage));
        Assert.True(redis.TryGetContainerImageName(out var redisImage));
        Assert.EndsWith(":15", postgresImage);
        Assert.EndsWith(":7", redisImage);
        Assert.IsType<PostgresDatabaseResource>(Resource(builder, "catalogdb"));
    }

    [Theory]
    [InlineData("containers")]
    [InlineData("local")]
    public async Task Kafka_is_not_started_locally_where_nothing_uses_it(string mode)
    {
        // No sidecars, no Kafka: the services' native pub/sub is Redis Streams. The cluster's Kafka (KRaft) is
        // checked in the manifests (Deployment.Tests).
        await using var builder = await ModelAsync($"--Infrastructure:Mode={mode}", "--Dapr:Sidecars=false");
        Assert.DoesNotContain(builder.Resources, r => r.Name == "kafka");
    }

    [Theory]
    [InlineData("containers", "pubsub-kafka")]
    [InlineData("local", "pubsub-redis")]
    public async Task The_sidecars_pub_sub_is_kafka_where_containers_run_and_redis_where_they_cannot(string mode, string pubsub)
    {
        var daprd = Path.Combine(Path.GetTempPath(), $"daprd-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(daprd, "");
        try
        {
            await using var builder = await ModelAsync($"--Infrastructure:Mode={mode}", $"--Dapr:DaprdPath={daprd}");

            var sidecar = builder.Resources.OfType<ExecutableResource>().Single(r => r.Name == "ordering-dapr");
            var args = new List<object>();
            foreach (var callback in sidecar.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
            {
                await callback.Callback(new CommandLineArgsCallbackContext(args, sidecar));
            }

            // The shared components (state, lock, secrets), the pub/sub of the mode, then dapr/'s declarative subscriptions
            // and Resiliency; each folder holds real files.
            var folders = args.Select((arg, i) => (arg, i)).Where(a => a.arg is "--resources-path").Select(a => (string)args[a.i + 1]).ToList();
            Assert.Equal(["components", pubsub, "subscriptions", "resiliency"], folders.Select(Path.GetFileName));
            Assert.All(folders, folder => Assert.NotEmpty(Directory.GetFiles(folder, "*.yaml")));
            Assert.Contains(mode == "containers" ? "type: pubsub.kafka" : "type: pubsub.redis", File.ReadAllText(Path.Combine(folders[1], "pubsub.yaml")));

            var environment = await EnvironmentAsync(builder, sidecar);
            if (mode == "containers")
            {
                // The broker the sidecar's pub/sub reads (secretKeyRef KAFKA_BROKERS) is the Kafka container's, waited for.
                var kafka = Assert.IsType<ContainerResource>(Resource(builder, "kafka"));
                var brokers = Assert.IsType<EndpointReferenceExpression>(environment["KAFKA_BROKERS"]);
                Assert.Equal((kafka, EndpointProperty.HostAndPort), (brokers.Endpoint.Resource, brokers.Property));
                Assert.Contains("kafka", WaitsFor(sidecar));
            }
            else
            {
                Assert.DoesNotContain(builder.Resources, r => r.Name == "kafka");
                Assert.DoesNotContain("KAFKA_BROKERS", environment.Keys);
            }
        }
        finally
        {
            File.Delete(daprd);
        }
    }

    private static readonly string[] DaprApps =
        ["basket", "catalog", "catalog-2", "catalog-3", "catalog-backup", "identity", "inventory", "ordering", "orderworkflow", "payment"];

    private static async Task<Dictionary<string, object>> EnvironmentAsync(IDistributedApplicationTestingBuilder builder, IResource resource)
    {
        var variables = new Dictionary<string, object>();
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(new EnvironmentCallbackContext(builder.ExecutionContext, resource, variables));
        }

        return variables;
    }

    [Fact]
    public async Task With_a_daprd_every_dapr_app_runs_beside_its_own_sidecar_and_is_told_its_ports()
    {
        var daprd = Path.Combine(Path.GetTempPath(), $"daprd-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(daprd, "");
        try
        {
            await using var builder = await ModelAsync("--Infrastructure:Mode=local", $"--Dapr:DaprdPath={daprd}", PlatformHost.AllCatalogReplicas);

            var sidecars = builder.Resources.OfType<ExecutableResource>().Where(r => r.Name.EndsWith("-dapr", StringComparison.Ordinal)).ToList();
            Assert.Equal(DaprApps.Select(a => $"{a}-dapr").Order(StringComparer.Ordinal), sidecars.Select(s => s.Name).Order(StringComparer.Ordinal));
            foreach (var app in DaprApps)
            {
                var sidecar = sidecars.Single(s => s.Name == $"{app}-dapr");
                Assert.Equal(daprd, sidecar.Command);
                var args = new List<object>();
                foreach (var callback in sidecar.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
                {
                    await callback.Callback(new CommandLineArgsCallbackContext(args, sidecar));
                }

                Assert.Equal(app, args[args.IndexOf("--app-id") + 1]);
                var appPort = Assert.IsType<EndpointReferenceExpression>(args[args.IndexOf("--app-port") + 1]);
                Assert.Equal((app, "http"), (appPort.Endpoint.Resource.Name, appPort.Endpoint.EndpointName));
                var folders = args.Select((arg, i) => (arg, i)).Where(a => a.arg is "--resources-path").Select(a => (string)args[a.i + 1]).ToList();
                Assert.Equal(["components", "pubsub-redis", "subscriptions", "resiliency"], folders.Select(Path.GetFileName));
                Assert.All(folders, folder => Assert.EndsWith(Path.Combine("Dapr", "local", Path.GetFileName(folder)), folder));

                // The app reaches its own sidecar, and its building blocks switch to Dapr (DAPR_GRPC_PORT set).
                var environment = await EnvironmentAsync(builder, Resource(builder, app));
                foreach (var (variable, endpoint) in new[] { ("DAPR_GRPC_PORT", "grpc"), ("DAPR_HTTP_PORT", "http") })
                {
                    var port = Assert.IsType<EndpointReferenceExpression>(environment[variable]);
                    Assert.Equal(($"{app}-dapr", endpoint), (port.Endpoint.Resource.Name, port.Endpoint.EndpointName));
                }
            }

            Assert.DoesNotContain("DAPR_GRPC_PORT", (await EnvironmentAsync(builder, Resource(builder, "gateway"))).Keys);
        }
        finally
        {
            File.Delete(daprd);
        }
    }

    [Fact]
    public async Task Without_a_daprd_no_sidecar_runs_and_the_apps_keep_their_native_adapters()
    {
        // Dapr:Sidecars=false is "no daprd" whatever this machine has installed; a daprd path given beside it changes nothing.
        var daprd = Path.Combine(Path.GetTempPath(), $"daprd-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(daprd, "");
        await using var builder = await ModelAsync("--Infrastructure:Mode=local", "--Dapr:Sidecars=false", $"--Dapr:DaprdPath={daprd}");
        File.Delete(daprd);

        Assert.DoesNotContain(builder.Resources, r => r.Name.EndsWith("-dapr", StringComparison.Ordinal));
        Assert.DoesNotContain("DAPR_GRPC_PORT", (await EnvironmentAsync(builder, Resource(builder, "ordering"))).Keys);
    }

    [Fact]
    public async Task Local_mode_runs_debian_executables_under_the_same_resource_names()
    {
        await using var builder = await ModelAsync("--Infrastructure:Mode=local");

        Assert.IsType<LocalPostgresServerResource>(Resource(builder, "postgres"));
        Assert.IsType<LocalRedisResource>(Resource(builder, "redis"));
        var database = Assert.IsType<LocalPostgresDatabaseResource>(Resource(builder, "catalogdb"));
        Assert.Equal("catalogdb", database.DatabaseName);
    }

    [Theory]
    [InlineData("containers")]
    [InlineData("local")]
    public async Task Services_wait_for_their_dependencies_and_only_the_gateway_is_external(string mode)
    {
        await using var builder = await ModelAsync($"--Infrastructure:Mode={mode}", PlatformHost.AllCatalogReplicas);

        var catalog = Resource(builder, "catalog");
        var gateway = Resource(builder, "gateway");
        Assert.Equal(["catalogdb", "postgres", "redis"], WaitsFor(catalog));
        // The gateway, whose health means "the platform is up", waits for every service; they wait only for
        // their own database and Redis, not for each other.
        Assert.Equal(["basket", "catalog", "catalog-2", "catalog-3", "catalog-backup", "identity", "inventory", "ordering", "orderworkflow", "payment", "webapp"], WaitsFor(gateway));
        Assert.Equal(["identitydb", "postgres", "redis"], WaitsFor(Resource(builder, "identity")));
        // Every catalog replica is the same service on the same database.
        Assert.All(new[] { "catalog-2", "catalog-3", "catalog-backup" }, name => Assert.Equal(WaitsFor(catalog), WaitsFor(Resource(builder, name))));
        Assert.Equal(new[] { "postgres", "redis", "workflowdb" }, WaitsFor(Resource(builder, "orderworkflow")));
        Assert.Equal(new[] { "redis" }, WaitsFor(Resource(builder, "basket")));
        Assert.Equal(new[] { "orderingdb", "postgres", "redis" }, WaitsFor(Resource(builder, "ordering")));
        Assert.All(new[] { catalog, gateway }, r => Assert.Contains(r.Annotations, a => a is HealthCheckAnnotation));
        Assert.Equal(["gateway"], builder.Resources.OfType<IResourceWithEndpoints>()
            .Where(r => r.Annotations.OfType<EndpointAnnotation>().Any(e => e.IsExternal)).Select(r => r.Name));
    }

    [Theory]
    [InlineData("4", new[] { "catalog", "catalog-2", "catalog-3", "catalog-backup" }, new string[0])]
    [InlineData("3", new[] { "catalog", "catalog-2", "catalog-3" }, new[] { "catalog-backup" })]
    [InlineData("2", new[] { "catalog", "catalog-2" }, new[] { "catalog-3", "catalog-backup" })]
    [InlineData("1", new[] { "catalog" }, new[] { "catalog-2", "catalog-3", "catalog-backup" })]
    public async Task The_catalog_replicas_run_are_a_parameter_and_the_gateway_leaves_out_the_others(string replicas, string[] run, string[] excluded)
    {
        await using var builder = await ModelAsync($"--Parameters:catalog-replicas={replicas}");

        Assert.Equal(run, builder.Resources.OfType<ProjectResource>().Select(r => r.Name).Where(name => name.StartsWith("catalog", StringComparison.Ordinal)));
        var gateway = Resource(builder, "gateway");
        Assert.Equal([.. run.Order()], WaitsFor(gateway).Where(name => name.StartsWith("catalog", StringComparison.Ordinal)));

        // Only the plain settings are evaluated: values that refer to endpoints resolve once the platform runs.
        var environment = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(builder.ExecutionContext, gateway, environment);
        foreach (var callback in gateway.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        Assert.Equal(excluded, environment.Where(e => e.Key.StartsWith("Gateway__ExcludedDestinations__", StringComparison.Ordinal))
            .OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value as string));
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(4, 4)]
    [InlineData(16, 4)]
    public void Locally_one_catalog_replica_runs_per_core_from_two_to_four(int cores, int replicas) =>
        Assert.Equal(replicas, CatalogReplicas.LocalDefault(cores));

    [Fact]
    public async Task Without_the_parameter_the_catalog_replicas_follow_this_machines_cores()
    {
        await using var builder = await ModelAsync();

        var expected = CatalogReplicas.Names.Take(CatalogReplicas.LocalDefault(Environment.ProcessorCount));
        Assert.Equal(expected, CatalogReplicas.Names.Where(name => builder.Resources.Any(r => r.Name == name)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("5")]
    [InlineData("two")]
    public async Task A_catalog_replica_count_outside_1_to_4_is_refused_naming_the_parameter(string replicas)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await ModelAsync($"--Parameters:catalog-replicas={replicas}"));

        Assert.Contains("catalog-replicas", error.Message);
    }

    private static string[] WaitsFor(IResource resource) =>
        [.. resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Order()];

    [Theory]
    [InlineData(new[] { "docker" }, "podman")]
    [InlineData(new[] { "podman" }, "docker")]
    [InlineData(new[] { "docker", "podman" }, null)]
    public async Task Locally_DCPs_container_runtime_checks_go_to_a_runtime_whose_CLI_is_absent(string[] installed, string? expected)
    {
        // DCP runs the chosen runtime's CLI twice every 5 s even when no container runs; a CLI that is absent costs a PATH look-up.
        var bin = Directory.CreateTempSubdirectory("ecommerce-path-");
        try
        {
            foreach (var cli in installed)
            {
                await File.WriteAllTextAsync(Path.Combine(bin.FullName, cli), "");
            }

            await using var builder = await ModelAsync("--Infrastructure:Mode=local", $"--PATH={bin.FullName}");

            Assert.Equal(expected, builder.Configuration[PlatformInfrastructureExtensions.DcpContainerRuntimeKey]);
        }
        finally
        {
            bin.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--Infrastructure:Mode=containers")]
    [InlineData("--Infrastructure:Mode=local", "--ASPIRE_CONTAINER_RUNTIME=docker")]
    public async Task The_container_runtime_is_left_alone_where_containers_run_or_one_is_chosen(params string[] args)
    {
        await using var builder = await ModelAsync([.. args, $"--PATH={Path.GetTempPath()}"]);

        Assert.Null(builder.Configuration[PlatformInfrastructureExtensions.DcpContainerRuntimeKey]);
    }
}

/// <summary>
/// The gateway's limits and Identity's administrator are AppHost parameters whose defaults configuration
/// overrides (that the services receive them is shown by the running platform's tests).
/// </summary>
public class AppHostParameterTests
{
    private static async Task<Dictionary<string, string?>> ParametersAsync(params string[] args)
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [.. args, "--Infrastructure:Mode=local", "--Parameters:identity-signing-key=" + TestSupport.TestKeys.NewPrivateKey(), "--Parameters:admin-password=Model-Test-1!",
                $"--LocalInfrastructure:DataDirectory={Path.Combine(Path.GetTempPath(), "ecommerce-model-tests")}"]);
        var values = new Dictionary<string, string?>();
        foreach (var parameter in builder.Resources.OfType<ParameterResource>().Where(p => !p.Secret))
        {
            values[parameter.Name] = await parameter.GetValueAsync(CancellationToken.None);
        }

        return values;
    }

    [Fact]
    public async Task Without_configuration_the_documented_defaults_apply()
    {
        var parameters = await ParametersAsync();

        Assert.Equal("100", parameters["ratelimit-user-per-minute"]);
        Assert.Equal("1000", parameters["ratelimit-user-per-hour"]);
        Assert.Equal("100", parameters["ratelimit-anonymous-per-minute"]);
        Assert.Equal("5", parameters["ratelimit-login-failures-per-minute"]);
        Assert.Equal("admin@ecommerce.local", parameters["admin-email"]);
    }

    [Fact]
    public async Task Configuration_overrides_the_defaults()
    {
        var parameters = await ParametersAsync("--Parameters:ratelimit-user-per-minute=7", "--Parameters:admin-email=boss@example.test");

        Assert.Equal("7", parameters["ratelimit-user-per-minute"]);
        Assert.Equal("boss@example.test", parameters["admin-email"]);
        Assert.Equal("1000", parameters["ratelimit-user-per-hour"]);
    }
}
