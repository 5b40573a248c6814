using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace UnitTests.ServiceDefaults;

/// <summary>The Redis client's step-by-step account of each connect stays out of the logs unless configuration asks for it.</summary>
public class RedisClientLogTests
{
    [Fact]
    public void The_redis_client_logs_its_warnings_but_not_each_step_of_a_connect()
    {
        var (information, warning) = Levels("StackExchange.Redis.ConnectionMultiplexer", configure: _ => { });

        Assert.False(information);
        Assert.True(warning);
    }

    [Fact]
    public void Configuration_brings_the_steps_back()
    {
        var (information, _) = Levels("StackExchange.Redis.ConnectionMultiplexer",
            builder => builder.Configuration[$"Logging:LogLevel:{Extensions.RedisLogCategory}"] = "Information");

        Assert.True(information);
    }

    [Fact]
    public void Other_categories_keep_the_configured_level()
    {
        var (information, _) = Levels("Catalog.Api.Apis.CatalogApi", configure: _ => { });

        Assert.True(information);
    }

    /// <summary>Whether a service built with the service defaults logs Information and Warning in <paramref name="category"/>.</summary>
    private static (bool Information, bool Warning) Levels(string category, Action<HostApplicationBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        configure(builder);
        builder.AddServiceDefaults();
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(category);
        return (logger.IsEnabled(LogLevel.Information), logger.IsEnabled(LogLevel.Warning));
    }
}
