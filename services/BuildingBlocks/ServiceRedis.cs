using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace BuildingBlocks;

/// <summary>How a service registers the Redis it depends on.</summary>
public static class ServiceRedis
{
    /// <summary>
    /// Registers the multiplexer on the connection string <paramref name="name"/> (Aspire's client: its logging and
    /// telemetry) with a readiness check held to <see cref="HealthCheckTimeout"/>. Aspire's own check has no timeout: against
    /// a frozen Redis, readiness answered only after the client's 5 s, and a probe in flight held a stopping process as long.
    /// </summary>
    /// <param name="builder">The service's builder.</param>
    /// <param name="name">The connection string the AppHost provides.</param>
    /// <param name="configureOptions">Client options beyond Aspire's, such as a backlog policy.</param>
    /// <param name="failureStatus">What readiness reports without Redis: unhealthy by default; degraded for a service that still
    /// serves without it (the catalog, whose Redis is a second cache level).</param>
    public static void AddServiceRedis(this IHostApplicationBuilder builder, string name, Action<ConfigurationOptions>? configureOptions = null,
        HealthStatus failureStatus = HealthStatus.Unhealthy)
    {
        builder.AddRedisClient(name, settings => settings.DisableHealthChecks = true, configureOptions);
        builder.Services.AddHealthChecks().AddRedis(services => services.GetRequiredService<IConnectionMultiplexer>(), name: name,
            failureStatus: failureStatus, tags: [Microsoft.Extensions.Hosting.Extensions.ReadyTag], timeout: HealthCheckTimeout);
    }

    /// <summary>How long readiness waits for Redis: well within a probe's own timeout, as for the database.</summary>
    public static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(1);
}
