using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AppHost.Infrastructure;

/// <summary>Where PostgreSQL and Redis come from.</summary>
public enum InfrastructureMode
{
    /// <summary>Containers when a container runtime answers (or when publishing), local executables otherwise.</summary>
    Auto,

    /// <summary>Aspire container resources (and the images Kubernetes manifests name).</summary>
    Containers,

    /// <summary>Debian's <c>postgres</c> and <c>redis-server</c>, started by the AppHost.</summary>
    Local,
}

/// <summary>
/// The data services every bounded context uses. Services only see connection strings named after
/// these resources, so they cannot tell which mode produced them.
/// </summary>
public sealed class PlatformInfrastructure(
    InfrastructureMode mode,
    IResourceBuilder<IResourceWithConnectionString> redis,
    EndpointReference redisEndpoint,
    ParameterResource redisPassword,
    Func<string, IResourceBuilder<IResourceWithConnectionString>> addDatabase,
    Func<IResourceBuilder<ContainerResource>>? addKafka = null)
{
    private IResourceBuilder<ContainerResource>? _kafka;

    public const string ModeKey = "Infrastructure:Mode";

    public InfrastructureMode Mode { get; } = mode;

    /// <summary>The Redis resource ("redis"): caches, carts, locks, local event streams.</summary>
    public IResourceBuilder<IResourceWithConnectionString> Redis { get; } = redis;

    /// <summary>Redis's address (host:port) and password, for clients that take them apart (Dapr's Redis components).</summary>
    public EndpointReference RedisEndpoint { get; } = redisEndpoint;

    public ParameterResource RedisPassword { get; } = redisPassword;

    /// <summary>Adds a database (one per bounded context) to the PostgreSQL server ("postgres").</summary>
    public IResourceBuilder<IResourceWithConnectionString> AddDatabase(string name) => addDatabase(name);

    /// <summary>
    /// Kafka ("kafka", a container in KRaft mode), added the first time something uses it: the cluster's
    /// pub/sub when publishing, the local Dapr sidecars' pub/sub in container mode. Null in local mode, where
    /// there is no container engine to run it (the sidecars' pub/sub is then Redis).
    /// </summary>
    public IResourceBuilder<ContainerResource>? UseKafka() => _kafka ??= addKafka?.Invoke();
}

public static class PlatformInfrastructureExtensions
{
    // Same major versions as Debian's packages used in local mode.
    private const string PostgresImageTag = "15";
    private const string RedisImageTag = "7";
    private const string KafkaImageTag = "4.1.0";

    public static PlatformInfrastructure AddPlatformInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var requested = builder.Configuration.GetValue(PlatformInfrastructure.ModeKey, InfrastructureMode.Auto);
        var (mode, why) = Resolve(builder, requested);

        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AppHost.Infrastructure")
                .LogInformation("Infrastructure mode: {Mode} ({Reason})", mode, why);
            return Task.CompletedTask;
        });

        if (mode == InfrastructureMode.Local)
        {
            var directories = LocalDataDirectory.Resolve(builder);
            if (builder.ExecutionContext.IsRunMode)
            {
                PointContainerRuntimeChecksAtAnAbsentCli(builder.Configuration);
                builder.SuperviseLocalProcesses(directories.Root);
            }

            var postgres = builder.AddLocalPostgres("postgres", directories);
            var redis = builder.AddLocalRedis("redis", directories);
            return new PlatformInfrastructure(mode, AsConnectionString(builder, redis), redis.Resource.PrimaryEndpoint, redis.Resource.Password,
                name => AsConnectionString(builder, postgres.AddDatabase(name)));
        }

        var pg = builder.AddPostgres("postgres").WithImageTag(PostgresImageTag).WithDataVolume();
        var containerRedis = builder.AddRedis("redis").WithImageTag(RedisImageTag).WithDataVolume();
        var infrastructure = new PlatformInfrastructure(mode, AsConnectionString(builder, containerRedis), containerRedis.Resource.PrimaryEndpoint,
            containerRedis.Resource.PasswordParameter ?? throw new InvalidOperationException("The Redis container has no password."),
            name => AsConnectionString(builder, pg.AddDatabase(name)),
            () => builder.AddKafka("kafka"));
        if (builder.ExecutionContext.IsPublishMode)
        {
            infrastructure.UseKafka();
        }

        return infrastructure;
    }

    /// <summary>
    /// Kafka in KRaft mode (one node that is both broker and controller, no ZooKeeper): the event backbone
    /// behind Dapr's pub/sub, the cluster's (dapr/components/pubsub.yaml) and, in container mode, the local
    /// sidecars'. Not started otherwise: the services' native mode uses Redis Streams.
    /// </summary>
    private static IResourceBuilder<ContainerResource> AddKafka(this IDistributedApplicationBuilder builder, string name)
    {
        var kafka = builder.AddContainer(name, "apache/kafka", KafkaImageTag)
            .WithEndpoint(name: "tcp", targetPort: 9092, scheme: "tcp")
            .WithVolume($"{name}-data", "/var/lib/kafka/data");
        var broker = kafka.GetEndpoint("tcp");
        return kafka
            .WithEnvironment("KAFKA_NODE_ID", "1")
            .WithEnvironment("KAFKA_PROCESS_ROLES", "broker,controller")
            .WithEnvironment("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093")
            .WithEnvironment("KAFKA_ADVERTISED_LISTENERS", ReferenceExpression.Create($"PLAINTEXT://{broker.Property(EndpointProperty.HostAndPort)}"))
            .WithEnvironment("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
            .WithEnvironment("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT")
            .WithEnvironment("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093")
            .WithEnvironment("KAFKA_LOG_DIRS", "/var/lib/kafka/data/logs")
            // One node: internal topics cannot have more replicas than brokers.
            .WithEnvironment("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
            // Dapr creates a topic on first publish or subscribe.
            .WithEnvironment("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true");
    }

    private static IResourceBuilder<IResourceWithConnectionString> AsConnectionString<T>(
        IDistributedApplicationBuilder builder, IResourceBuilder<T> resource) where T : IResourceWithConnectionString =>
        builder.CreateResourceBuilder<IResourceWithConnectionString>(resource.Resource);

    private static (InfrastructureMode Mode, string Reason) Resolve(IDistributedApplicationBuilder builder, InfrastructureMode requested)
    {
        if (requested != InfrastructureMode.Auto)
        {
            return (requested, $"{PlatformInfrastructure.ModeKey}={requested}");
        }

        if (builder.ExecutionContext.IsPublishMode)
        {
            return (InfrastructureMode.Containers, "publishing");
        }

        return ContainerRuntimeAnswers(builder.Configuration) is { } runtime
            ? (InfrastructureMode.Containers, $"container runtime '{runtime}' is healthy")
            : (InfrastructureMode.Local, "no healthy container runtime");
    }

    /// <summary>The configuration key that chooses DCP's container runtime (<c>--container-runtime</c>).</summary>
    public const string DcpContainerRuntimeKey = "DcpPublisher:ContainerRuntime";

    /// <summary>
    /// In local mode nothing runs in a container, yet DCP checks its container runtime every 5 s for as long as it
    /// runs, by starting the runtime's CLI twice (<c>docker --version</c>, <c>docker network ls</c>; 35 and 48 ms of CPU
    /// here). Where a CLI is installed and its engine does not answer, which is why the mode is local, that was about
    /// 20 ms of CPU a second at rest (docs/benchmarks.md). Pointed at a supported runtime whose CLI is not installed,
    /// each check is a failed look-up on PATH. Left alone when a runtime is chosen explicitly or both CLIs are installed.
    /// </summary>
    private static void PointContainerRuntimeChecksAtAnAbsentCli(IConfiguration configuration)
    {
        if (configuration[DcpContainerRuntimeKey] is not null || ChosenContainerRuntime(configuration) is not null)
        {
            return;
        }

        var path = (configuration["PATH"] ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        if (new[] { "podman", "docker" }.FirstOrDefault(cli => !path.Any(directory => File.Exists(Path.Combine(directory, cli)))) is { } absent)
        {
            configuration[DcpContainerRuntimeKey] = absent;
        }
    }

    /// <summary>The container runtime the user chose for Aspire, if any.</summary>
    private static string? ChosenContainerRuntime(IConfiguration configuration) =>
        configuration["ASPIRE_CONTAINER_RUNTIME"] ?? configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"];

    /// <summary>Asks the container runtime Aspire would use whether its engine is up (the CLI alone is not enough).</summary>
    private static string? ContainerRuntimeAnswers(IConfiguration configuration)
    {
        var runtime = ChosenContainerRuntime(configuration) ?? "docker";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return null;
            }

            process.StandardOutput.ReadToEndAsync();
            process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return process.ExitCode == 0 ? runtime : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
    }
}
