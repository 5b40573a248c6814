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
            # Its housekeeping timer once a second, not ten times: at rest that alone was 2.3 of its 3.7 ms of CPU a
            # second (docs/benchmarks.md). The services wake on pub/sub, not on blocking reads that the timer would end,
            # and keys past their expiry are still removed when touched.
            hz 1
            """);

        var healthCheckKey = $"{name}_local_check";
        // One check for the AppHost's lifetime (the container disposes it and its connection at the end).
        builder.Services.AddKeyedSingleton(healthCheckKey, (_, _) => new RedisHealthCheck(redis));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, services => services.GetRequiredKeyedService<RedisHealthCheck>(healthCheckKey), failureStatus: null, tags: null));

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

    /// <summary>
    /// PINGs the server whenever Aspire checks the resource, over a kept connection. A new multiplexer for each check
    /// made two connections and their handshakes each time; a kept one reconnects by itself after the server comes
    /// back, and a frozen server fails the PING when it times out.
    /// </summary>
    internal sealed class RedisHealthCheck(LocalRedisResource redis) : IHealthCheck, IAsyncDisposable
    {
        // Made once, on the first check. Not aborting when the server is not up yet: the multiplexer keeps trying in
        // the background, every second (the default backs off from 5 s, which would hold up a start), and until it
        // connects (or while the server is frozen) the PING fails and so does the check.
        private readonly Lazy<Task<ConnectionMultiplexer>> _connection = new(async () =>
        {
            var options = ConfigurationOptions.Parse((await redis.ConnectionStringExpression.GetValueAsync(CancellationToken.None))!);
            options.AbortOnConnectFail = false;
            options.ReconnectRetryPolicy = new LinearRetry(1000);
            options.ConnectTimeout = 5000;
            options.AsyncTimeout = 5000;
            return await ConnectionMultiplexer.ConnectAsync(options);
        });

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await (await _connection.Value).GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_connection.IsValueCreated)
            {
                await (await _connection.Value).DisposeAsync();
            }
        }
    }
}
