using BuildingBlocks;
using BuildingBlocks.Data;
using Catalog.Api.Apis;
using Catalog.Api.Data;
using Catalog.Api.IntegrationEvents.EventHandling;
using Catalog.Api.IntegrationEvents.Events;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly;
using StackExchange.Redis;

namespace Catalog.Api;

public static class CatalogServiceExtensions
{
    /// <summary>Connection string names the AppHost provides.</summary>
    public const string DatabaseName = "catalogdb";
    public const string RedisName = "redis";

    // A frozen database does not answer at all; its check gives up well within the gateway's probe, so that
    // readiness reports it instead of the probe timing out.
    private static readonly TimeSpan DependencyCheckTimeout = TimeSpan.FromSeconds(1);

    public static void AddCatalogServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication(serviceAudience: "catalog");
        // Health checks are registered below with readiness tags and the right failure status.
        builder.AddServiceDatabase<CatalogContext>(DatabaseName, CatalogSeed.SeedIfEmptyAsync, settings => settings.DisableHealthChecks = true);
        // Redis is the second cache level and the event bus here. While it is away, fail at once: reads
        // fall back to PostgreSQL instead of queueing each command for the multiplexer's timeout (longer
        // than the gateway gives a replica per try), and the stream consumer backs off and retries. As reads
        // still work from PostgreSQL, its readiness check (redis, 1 s) says degraded, not unhealthy.
        builder.AddServiceRedis(RedisName, options => options.BacklogPolicy = BacklogPolicy.FailFast, HealthStatus.Degraded);

        builder.Services.AddHealthChecks()
            // Without its database the catalog cannot answer most reads: unhealthy, take it out of rotation (while
            // every replica is out, the gateway still sends reads, which cached products answer).
            .AddNpgSql(sp => sp.GetRequiredService<IConfiguration>().GetConnectionString(DatabaseName)!,
                name: "catalogdb", tags: [Extensions.ReadyTag], timeout: DependencyCheckTimeout);

        // HybridCache: L1 in process, L2 in Redis (through the same multiplexer as everything else).
        builder.Services.AddStackExchangeRedisCache(_ => { });
        builder.Services.AddOptions<RedisCacheOptions>()
            .Configure<IServiceProvider>((options, sp) =>
            {
                options.InstanceName = "catalog:";
                options.ConnectionMultiplexerFactory = () => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>());
            });
        builder.Services.AddHybridCache();
        builder.Services.AddResiliencePipeline(DatabaseReadCircuit.PipelineName, DatabaseReadCircuit.Build);
        builder.Services.AddSingleton<LastKnownPages>();

        // Listening, and ready, only once each public read and a rolled-back creation ran once (see CatalogWarmUp).
        builder.Services.AddSingleton<CatalogWarmUp>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CatalogWarmUp>());
        builder.Services.AddHealthChecks().AddCheck<CatalogWarmUp>("warm-up", tags: [Extensions.ReadyTag]);

        // Availability comes from Inventory's events; new products are announced to Inventory.
        builder.AddBuildingBlocks()
            .AddOutbox<CatalogContext>()
            .Subscribe<StockChanged, StockChangedHandler>();

        builder.Services.AddValidation();
    }
}
