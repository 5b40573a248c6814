using AppHost.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AppHost.Dapr;

/// <summary>
/// Where a <c>daprd</c> executable exists (<c>Dapr:DaprdPath</c>, else <c>PATH</c>, else <c>~/.dapr/bin</c>,
/// where <c>dapr init --slim</c> puts it), every app with a <see cref="DaprSidecarAnnotation"/> runs beside a
/// sidecar of its own: an executable resource with the local profile (AppHost/Dapr/local: state and locks on
/// the platform's Redis; pub/sub on Kafka in container mode, where a Kafka container runs, else on Redis
/// Streams), the declarative subscriptions and the Resiliency of <c>dapr/</c>. The app is given <c>DAPR_HTTP_PORT</c> and <c>DAPR_GRPC_PORT</c>, and its building blocks switch
/// to their Dapr adapters. Without <c>daprd</c> the apps use their native adapters.
/// </summary>
public static class DaprSidecars
{
    public const string DaprdPathKey = "Dapr:DaprdPath";

    /// <summary>"false" runs no sidecar even where daprd is installed (the apps keep their native adapters).</summary>
    public const string SidecarsKey = "Dapr:Sidecars";

    public static IDistributedApplicationBuilder AddDaprSidecars(this IDistributedApplicationBuilder builder,
        PlatformInfrastructure infrastructure)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return builder; // a cluster's sidecars are injected by Dapr (dapr.io/* annotations)
        }

        var daprd = Find(builder.Configuration);
        var apps = builder.Resources.OfType<ProjectResource>()
            .Select(app => (App: app, Dapr: app.Annotations.OfType<DaprSidecarAnnotation>().LastOrDefault()))
            .Where(a => a.Dapr is not null)
            .ToList();
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AppHost.Dapr");
            if (daprd is null)
            {
                logger.LogInformation("Dapr: no daprd found ({Key}, PATH, ~/.dapr/bin) or {Switch}=false: the services use their native adapters (Redis)",
                    DaprdPathKey, SidecarsKey);
            }
            else
            {
                logger.LogInformation("Dapr: {Count} sidecars with {Daprd}", apps.Count, daprd);
            }

            return Task.CompletedTask;
        });
        if (daprd is null)
        {
            return builder;
        }

        var profile = Path.Combine(AppContext.BaseDirectory, "Dapr", "local");
        var kafka = infrastructure.UseKafka();
        var pubsub = Path.Combine(profile, kafka is null ? "pubsub-redis" : "pubsub-kafka");
        foreach (var (app, dapr) in apps)
        {
            var appBuilder = builder.CreateResourceBuilder(app);
            var sidecar = builder.AddExecutable($"{app.Name}-dapr", daprd, profile)
                // Not behind DCP's proxy, like the services: the sidecar listens on the port it is given.
                .WithEndpoint(name: "http", scheme: "http", isProxied: false)
                .WithEndpoint(name: "grpc", scheme: "http", isProxied: false)
                .WithEndpoint(name: "internal", scheme: "tcp", isProxied: false)
                .WithParentRelationship(appBuilder)
                .WithEnvironment("REDIS_HOST", infrastructure.RedisEndpoint.Property(EndpointProperty.HostAndPort))
                .WithEnvironment("REDIS_PASSWORD", infrastructure.RedisPassword)
                // The sidecar sends it (dapr-api-token) on every call to its app; the app's event routes accept it.
                .WithEnvironment("APP_API_TOKEN", dapr!.AppApiToken);
            var http = sidecar.GetEndpoint("http");
            var grpc = sidecar.GetEndpoint("grpc");
            sidecar.WithArgs(
                "--app-id", dapr.AppId,
                "--app-port", app.GetEndpoint("http").Property(EndpointProperty.TargetPort),
                "--app-protocol", "http",
                "--dapr-http-port", http.Property(EndpointProperty.TargetPort),
                "--dapr-grpc-port", grpc.Property(EndpointProperty.TargetPort),
                "--dapr-internal-grpc-port", sidecar.GetEndpoint("internal").Property(EndpointProperty.TargetPort),
                "--resources-path", Path.Combine(profile, "components"),
                "--resources-path", pubsub,
                // As in a cluster: the function apps receive their events only through declarative subscriptions
                // (the Functions host serves no /dapr/subscribe), and deliveries are retried per the Resiliency.
                "--resources-path", Path.Combine(profile, "subscriptions"),
                "--resources-path", Path.Combine(profile, "resiliency"),
                "--config", Path.Combine(profile, "config.yaml"),
                // Several sidecars on one machine: metrics would all want port 9090.
                "--enable-metrics=false",
                "--log-level", "warn");
            if (kafka is not null)
            {
                // A sidecar whose pub/sub cannot reach its broker at start exits: it starts once Kafka runs.
                sidecar.WithEnvironment("KAFKA_BROKERS", kafka.GetEndpoint("tcp").Property(EndpointProperty.HostAndPort)).WaitFor(kafka);
            }

            appBuilder
                .WithEnvironment("DAPR_HTTP_PORT", http.Property(EndpointProperty.TargetPort))
                .WithEnvironment("DAPR_GRPC_PORT", grpc.Property(EndpointProperty.TargetPort));
        }

        return builder;
    }

    /// <summary>The <c>daprd</c> to run, or null where there is none.</summary>
    public static string? Find(IConfiguration configuration)
    {
        if (configuration.GetValue<bool?>(SidecarsKey) == false)
        {
            return null;
        }

        if (configuration[DaprdPathKey] is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? Path.GetFullPath(configured)
                : throw new FileNotFoundException($"{DaprdPathKey} names no file: '{configured}'.", configured);
        }

        var name = OperatingSystem.IsWindows() ? "daprd.exe" : "daprd";
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Where(directory => directory.Length > 0)
            .Append(Path.Combine(home, ".dapr", "bin"))
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
    }
}
