using BuildingBlocks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace TestSupport;

/// <summary>A service host with the building blocks in native mode against the test Redis.</summary>
public static class BusHost
{
    public static async Task<IHost> StartAsync(
        LocalServers servers,
        string serviceName,
        Action<EventBusBuilder> configureBus,
        Action<IServiceCollection>? configureServices = null,
        Dictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [BuildingBlocksExtensions.DaprEnabledKey] = "false",
            ["EventBus:ServiceName"] = serviceName,
            ["EventBus:RetryBaseDelay"] = "00:00:00.010",
            ["EventBus:RetryMaxDelay"] = "00:00:00.050",
            ["EventBus:PollInterval"] = "00:00:00.200",
            ["EventBus:OutboxPollInterval"] = "00:00:00.020",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(servers.RedisConnectionString));
        configureBus(builder.AddBuildingBlocks());
        configureServices?.Invoke(builder.Services);

        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
