using BuildingBlocks.Dapr;
using BuildingBlocks.EventBus;
using BuildingBlocks.Locking;
using BuildingBlocks.Outbox;
using BuildingBlocks.Redis;
using BuildingBlocks.StateStore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BuildingBlocks;

/// <summary>Which adapters serve the building blocks; chosen once at start-up.</summary>
public enum BuildingBlocksMode
{
    /// <summary>A Dapr sidecar: pub/sub, state and locks go through its API (Kubernetes).</summary>
    Dapr,

    /// <summary>No sidecar: Redis Streams, Redis state and Redis locks directly (local default).</summary>
    Native,
}

/// <summary>Registers subscriptions and outboxes on the event bus.</summary>
public sealed class EventBusBuilder(IServiceCollection services, EventSubscriptions subscriptions, BuildingBlocksMode mode)
{
    public IServiceCollection Services { get; } = services;

    public BuildingBlocksMode Mode { get; } = mode;

    /// <summary>Handles <typeparamref name="TEvent"/> with <typeparamref name="THandler"/> (resolved per message, scoped).</summary>
    public EventBusBuilder Subscribe<TEvent, THandler>()
        where TEvent : IntegrationEvent
        where THandler : class, IIntegrationEventHandler<TEvent>
    {
        subscriptions.Add(Subscription.Create<TEvent, THandler>());
        Services.TryAddScoped<THandler>();
        return this;
    }

    /// <summary>Gives <typeparamref name="TContext"/> an outbox (its model must call <c>AddOutboxAndInbox()</c>) and runs its relay.</summary>
    public EventBusBuilder AddOutbox<TContext>() where TContext : DbContext
    {
        Services.TryAddScoped<IntegrationEventOutbox<TContext>>();
        Services.AddHostedService<OutboxRelay<TContext>>();
        return this;
    }
}

public static class BuildingBlocksExtensions
{
    /// <summary>"true" forces the Dapr adapters, "false" the native ones; unset means "Dapr if a sidecar is configured".</summary>
    public const string DaprEnabledKey = "Dapr:Enabled";

    /// <summary>
    /// Adds the event bus, state store and distributed lock. With a Dapr sidecar (DAPR_GRPC_PORT set by
    /// the sidecar injector, or <see cref="DaprEnabledKey"/>) they use Dapr; otherwise Redis, through the
    /// <see cref="StackExchange.Redis.IConnectionMultiplexer"/> the service registered
    /// (<c>AddRedisClient("redis")</c>). Handlers and domain code never see the difference.
    /// </summary>
    public static EventBusBuilder AddBuildingBlocks(this IHostApplicationBuilder builder)
    {
        var (mode, reason) = ChooseMode(builder.Configuration);
        var services = builder.Services;

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<EventBusOptions>()
            .BindConfiguration(EventBusOptions.SectionName)
            .PostConfigure(options =>
            {
                if (string.IsNullOrWhiteSpace(options.ServiceName))
                {
                    options.ServiceName = builder.Environment.ApplicationName;
                }
            })
            .Validate(options => TryParseDelays(options.RetrySchedule), $"{EventBusOptions.SectionName}:RetrySchedule is not a list of delays (00:00:05 or 5s, 250ms, 2m, 1h).")
            .ValidateOnStart();

        var subscriptions = new EventSubscriptions();
        services.AddSingleton(subscriptions);
        services.AddSingleton<EventBusMetrics>();
        services.AddSingleton<EventDispatcher>();
        services.AddSingleton(new BuildingBlocksModeChoice(mode, reason));
        services.AddHostedService<BuildingBlocksModeLogger>();

        if (mode == BuildingBlocksMode.Dapr)
        {
            DaprAdapters.Add(services);
        }
        else
        {
            services.AddSingleton<IEventPublisher, RedisStreamsEventPublisher>();
            services.AddSingleton<IStateStore, RedisStateStore>();
            services.AddSingleton<IDistributedLock, RedisDistributedLock>();
            services.AddSingleton<RedisDeadLetters>();
            services.AddHostedService<RedisStreamsConsumer>();
            services.AddHostedService<RedisStreamTrimmer>();
            services.AddHostedService<RedisDeadLetterReplayer>();
        }

        return new EventBusBuilder(services, subscriptions, mode);
    }

    /// <summary>
    /// Maps what the chosen mode needs: Dapr's <c>/dapr/subscribe</c> and topic routes, or (native) the
    /// dead-letter API: <c>GET /events/deadletters</c> (every topic), <c>GET /events/deadletters/{topic}</c> and
    /// <c>POST /events/deadletters/{topic}/replay</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapEventBusEndpoints(this IEndpointRouteBuilder app)
    {
        var choice = app.ServiceProvider.GetRequiredService<BuildingBlocksModeChoice>();
        if (choice.Mode == BuildingBlocksMode.Dapr)
        {
            app.MapDaprEventSubscriptions();
            return app;
        }

        return app.MapDeadLetterEndpoints();
    }

    /// <summary>
    /// The native bus's dead-letter API alone (nothing in Dapr mode, where the broker keeps dead letters): for an
    /// app whose events arrive another way under Dapr (Payment's function trigger, a declarative subscription),
    /// which must not also announce them on <c>/dapr/subscribe</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapDeadLetterEndpoints(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetRequiredService<BuildingBlocksModeChoice>().Mode == BuildingBlocksMode.Dapr)
        {
            return app;
        }

        // Operator routes: an administrator, or a service with a token for this one.
        var deadLetters = app.MapGroup("/events/deadletters").WithTags("Event bus").RequireAuthorization(ServiceCallers.AdminOrService);
        deadLetters.MapGet("", async (EventSubscriptions subscriptions, RedisDeadLetters letters) =>
            {
                var all = new List<DeadLetter>();
                foreach (var topic in subscriptions.All.Select(s => s.Topic).Order(StringComparer.Ordinal))
                {
                    all.AddRange(await letters.ListAsync(topic));
                }

                return TypedResults.Ok(all);
            })
            .WithName("ListAllDeadLetters")
            .WithSummary("Messages this service gave up on, of every topic it consumes");
        deadLetters.MapGet("/{topic}", async (string topic, RedisDeadLetters letters) =>
                TypedResults.Ok(await letters.ListAsync(topic)))
            .WithName("ListDeadLetters")
            .WithSummary("Messages this service gave up on, with the reason");
        deadLetters.MapPost("/{topic}/replay", async (string topic, RedisDeadLetters letters, CancellationToken cancellationToken) =>
                TypedResults.Ok(await letters.ReplayAsync(topic, cancellationToken)))
            .WithName("ReplayDeadLetters")
            .WithSummary("Hand this service's dead letters of a topic to its handler again")
            .WithDescription("Every letter, also those the automatic replay has given up on; one that fails again goes back with its replay count raised.");
        return app;
    }

    private static bool TryParseDelays(string schedule)
    {
        try
        {
            EventBusOptions.ParseDelays(schedule);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    internal static (BuildingBlocksMode Mode, string Reason) ChooseMode(IConfiguration configuration)
    {
        if (configuration.GetValue<bool?>(DaprEnabledKey) is { } forced)
        {
            return forced
                ? (BuildingBlocksMode.Dapr, $"{DaprEnabledKey}=true")
                : (BuildingBlocksMode.Native, $"{DaprEnabledKey}=false");
        }

        return string.IsNullOrEmpty(configuration["DAPR_GRPC_PORT"])
            ? (BuildingBlocksMode.Native, "no Dapr sidecar configured (DAPR_GRPC_PORT unset)")
            : (BuildingBlocksMode.Dapr, $"Dapr sidecar on gRPC port {configuration["DAPR_GRPC_PORT"]}");
    }
}

internal sealed record BuildingBlocksModeChoice(BuildingBlocksMode Mode, string Reason);

/// <summary>Says once, at start-up, which adapters this service runs on.</summary>
internal sealed class BuildingBlocksModeLogger(BuildingBlocksModeChoice choice, ILogger<BuildingBlocksModeLogger> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Building blocks mode: {Mode} ({Reason})", choice.Mode, choice.Reason);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
