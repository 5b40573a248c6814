using Basket.Api.Grpc;
using Basket.Api.IntegrationEvents.EventHandling;
using Basket.Api.IntegrationEvents.Events;
using Basket.Api.Model;
using BuildingBlocks;

namespace Basket.Api;

public static class BasketServiceExtensions
{
    /// <summary>Connection string name the AppHost provides.</summary>
    public const string RedisName = "redis";

    /// <summary>Service discovery name of Catalog (resolved from <c>services:catalog:http:0</c>).</summary>
    public const string CatalogBaseAddress = "http://catalog";

    public static void AddBasketServices(this IHostApplicationBuilder builder)
    {
        // The multiplexer backs the native state store and event bus; without Redis there is no basket at all,
        // so its readiness check fails the replica (unhealthy), not merely degrades it.
        builder.AddServiceRedis(RedisName);
        builder.AddDefaultAuthentication(serviceAudience: "basket");

        builder.AddBuildingBlocks()
            .Subscribe<OrderSubmitted, OrderSubmittedHandler>();

        // Resilience and service discovery come from ServiceDefaults for every HttpClient.
        builder.Services.AddHttpClient<CatalogClient>(client => client.BaseAddress = new Uri(CatalogBaseAddress));
        builder.Services.Configure<CatalogReadOptions>(builder.Configuration.GetSection(CatalogReadOptions.SectionName));
        // In process only (no distributed cache is registered): products read from Catalog.
        builder.Services.AddHybridCache();
        builder.Services.AddScoped<BasketStore>();

        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<UnavailableStoreInterceptor>());
    }
}
