using BuildingBlocks;
using BuildingBlocks.Data;
using Inventory.Data;
using Inventory.Functions;
using Inventory.IntegrationEvents.EventHandling;
using Inventory.IntegrationEvents.Events;
using Inventory.Stock;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Inventory;

public static class InventoryServiceExtensions
{
    public const string DatabaseName = "inventorydb";
    public const string RedisName = "redis";

    /// <summary>Inventory's services, the same on the Functions host and on the plain host.</summary>
    public static void AddInventoryServices(this IHostApplicationBuilder builder)
    {
        // The stock-level functions check the caller's token themselves (defence in depth behind the gateway).
        builder.AddDefaultAuthentication(serviceAudience: "inventory");
        builder.AddServiceDatabase<InventoryContext>(DatabaseName, StockSeed.StockSeededProductsAsync);
        builder.AddServiceRedis(RedisName);
        builder.AddBuildingBlocks()
            .AddOutbox<InventoryContext>()
            .Subscribe<ProductCreated, ProductCreatedHandler>();

        builder.Services.AddOptions<InventoryOptions>().BindConfiguration(InventoryOptions.SectionName);
        builder.Services.AddScoped<StockReservations>();
        builder.Services.AddScoped<InventoryFunctions>();
        builder.Services.AddScoped<ReservationSweeper>();
        builder.Services.AddScoped<ReceiveEventFunction>();
    }
}
