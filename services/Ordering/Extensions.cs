using Basket.Grpc;
using BuildingBlocks;
using BuildingBlocks.Data;
using Ordering.Api.Data;
using Ordering.Api.IntegrationEvents.EventHandling;
using Ordering.Api.IntegrationEvents.Events;
using Ordering.Api.Orders;

namespace Ordering.Api;

public static class OrderingServiceExtensions
{
    public const string DatabaseName = "orderingdb";
    public const string RedisName = "redis";

    public static void AddOrderingServices(this IHostApplicationBuilder builder)
    {
        builder.AddDefaultAuthentication(serviceAudience: "ordering");
        builder.AddServiceDatabase<OrderingContext>(DatabaseName);
        builder.AddServiceRedis(RedisName);
        builder.AddBuildingBlocks()
            .AddOutbox<OrderingContext>()
            .Subscribe<OrderStatusChanged, OrderStatusChangedHandler>()
            .Subscribe<UserRegistered, UserRegisteredHandler>();

        // The basket over gRPC: "_grpc.basket" is the basket's endpoint named grpc (HTTP/2), found by service discovery.
        builder.Services.AddGrpcClient<BasketService.BasketServiceClient>(options => options.Address = new Uri("http://_grpc.basket"))
            .AddServiceDiscovery()
            .AddServiceToken("basket");
        builder.Services.AddValidation();

        // Orders stuck in a non-terminal status are re-announced to the workflow, then cancelled.
        builder.Services.AddOptions<StuckOrderOptions>().BindConfiguration(StuckOrderOptions.SectionName);
        builder.Services.AddHostedService<StuckOrderSweeper>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(StuckOrderSweeper.MeterName));
    }
}
