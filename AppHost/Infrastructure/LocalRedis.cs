using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace AppHost.Infrastructure;

/// <summary>Debian's Redis server run by the AppHost as an executable resource.</summary>
public sealed class LocalRedisResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public ParameterResource Password { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={Password}");
}

public static class LocalRedisExtensions
{
    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(
        this IDistributedApplicationBuilder builder, string name, LocalDataDirectory directories)
    {
        var secret = directories.Secret($"{name}-password");
        var password = builder.AddParameter($"{name}-password", secret, secret: true);
        var redis = new LocalRedisResource(name, FindRedisServer(builder), directories.Root, password.Resource);

        // The password goes into a private config file, not onto the command line where ps shows it.
        Directory.CreateDirectory(directories.RedisData);
        var configPath = Path.Combine(directories.RedisData, "redis.conf");
        LocalDataDirectory.WritePrivateFile(configPath, $"""
            bind 127.0.0.1
            protected-mode yes
            daemonize no
            dir {directories.RedisData}
            appendonly yes
            appendfsync everysec
            # The append-only file is the persistence: no snapshots beside it. And a stop is a stop: Redis
            # otherwise stays up when its shutdown save fails (its directory already removed), orphaned.
            save ""
            shutdown-on-sigterm force
            shutdown-on-sigint force
            requirepass {secret}
            """);

        var healthCheckKey = $"{name}_local_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new RedisHealthCheck(redis), failureStatus: null, tags: null));

        var resource = builder.AddResource(redis)
            // Not behind DCP's proxy: every command of every service would cross one more process twice.
            .WithEndpoint(name: LocalRedisResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithHealthCheck(healthCheckKey)
            .ExcludeFromManifest();
        return resource.WithArgs(context =>
        {
            context.Args.Add(configPath);
            context.Args.Add("--port");
            context.Args.Add(redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
        });
    }

    private static string FindRedisServer(IDistributedApplicationBuilder builder)
    {
        if (builder.Configuration["LocalInfrastructure:RedisServer"] is { Length: > 0 } configured)
        {
            return configured;
        }

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);
        return onPath ?? throw new DistributedApplicationException(
            "redis-server was not found on the PATH. Install it with the README's set-up (apt-get install redis-server), " +
            "set LocalInfrastructure:RedisServer, or use Infrastructure:Mode=containers.");
    }

    private sealed class RedisHealthCheck(LocalRedisResource redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = await redis.ConnectionStringExpression.GetValueAsync(cancellationToken);
                var options = ConfigurationOptions.Parse(connectionString!);
                options.AbortOnConnectFail = true;
                options.ConnectTimeout = 5000;
                await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
                await connection.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is RedisException or InvalidOperationException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        }
    }
}
