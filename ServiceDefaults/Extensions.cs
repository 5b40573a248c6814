using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Scalar.AspNetCore;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every service of the platform shares: telemetry, health, resilience, service discovery,
/// ProblemDetails and OpenAPI. Services call <see cref="AddServiceDefaults"/> and
/// <see cref="MapDefaultEndpoints"/> (the storefront <see cref="MapInfrastructureEndpoints"/>) and nothing else from here.
/// </summary>
public static class Extensions
{
    /// <summary>Liveness: the process answers. Kubernetes restarts the pod when this fails.</summary>
    public const string LivenessPath = "/health/live";

    /// <summary>Readiness: the process and its dependencies are usable. Kubernetes stops routing when this fails.</summary>
    public const string ReadinessPath = "/health/ready";

    /// <summary>Tag for checks that decide liveness (only the process itself, never a dependency).</summary>
    public const string LiveTag = "live";

    /// <summary>Tag for dependency checks that decide readiness.</summary>
    public const string ReadyTag = "ready";

    /// <summary>The readiness check that names the background loops that died.</summary>
    public const string BackgroundServicesCheckName = "background-services";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        // StackExchange.Redis reads its sockets on threads of its own, which hand each answer on to the
        // thread pool: one more thread woken per answer. On the thread pool itself the read and its
        // continuation share a thread (docs/benchmarks.md, checkout fifth round).
        builder.Services.ConfigureAll<StackExchange.Redis.ConfigurationOptions>(options =>
            options.SocketManager = StackExchange.Redis.SocketManager.ThreadPool);
        builder.Services.AddHostedService<RedisConnectionCloser>();
        // StackExchange.Redis tells every step of each connect and reconnect at Information, about fifty lines a time in
        // every process: 420 of the 563 lines the services logged in a warm start (docs/benchmarks.md). Its warnings and
        // errors (a connection lost) still show; Logging:LogLevel:StackExchange.Redis brings the steps back.
        if (builder.Configuration[$"Logging:LogLevel:{RedisLogCategory}"] is null)
        {
            builder.Logging.AddFilter(RedisLogCategory, LogLevel.Warning);
        }

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        // A dependency that did not answer is a 503 the client may retry, not a 500.
        builder.Services.AddExceptionHandler<DependencyUnavailableExceptionHandler>();
        // Binding failures throw so that BadRequestExceptionHandler can name the field in a ProblemDetails.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.AddDefaultOpenApi();
        // Validation errors name fields as clients send them (camelCase), not as C# spells them.
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.DictionaryKeyPolicy = new FieldPathNamingPolicy();
            // Text the database cannot hold is a 400 naming the field, not a 500 from the store.
            options.SerializerOptions.Converters.Add(new StorableTextJsonConverter());
        });

        return builder;
    }

    /// <summary>The log category of StackExchange.Redis, the Redis client.</summary>
    public const string RedisLogCategory = "StackExchange.Redis";

    /// <summary>The building blocks' activity source and meter (kept as a name: ServiceDefaults does not depend on them).</summary>
    private const string EventBusTelemetryName = "Ecommerce.EventBus";

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(EventBusTelemetryName)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName, EventBusTelemetryName)
                .AddAspNetCoreInstrumentation(options =>
                    // Probes and scrapes would drown the traces that matter.
                    options.Filter = context => !IsInfrastructurePath(context.Request.Path))
                .AddHttpClientInstrumentation()
                // Whatever sampler the environment configures (OTEL_TRACES_SAMPLER), without calls made outside a trace.
                .ConfigureSampler((_, configured) => new UntracedCallsSampler(configured))
                // At most Tracing:TracesPerSecond new traces a second, when set (the AppHost sets it for every project).
                .ConfigureSampler((services, sampler) => builder.Configuration.GetValue<int?>("Tracing:TracesPerSecond") is { } limit
                    ? new TracesPerSecondSampler(sampler, limit, services.GetService<TimeProvider>() ?? TimeProvider.System)
                    : sampler));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
            // The exporters get an HttpClient of their own, not one from IHttpClientFactory with the standard resilience
            // handler that every other client gets here: the container disposes that handler's pipeline before the logger
            // provider sends its last batch, so the lines a process logged as it stopped were lost, and the failed send,
            // retried, held every process's exit for the provider's 5 s shutdown timeout. The exporter retries on its own.
            builder.Services.Configure<OtlpExporterOptions>(options => options.HttpClientFactory = () => new HttpClient
            {
                Timeout = TimeSpan.FromMilliseconds(options.TimeoutMilliseconds),
            });
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag])
            // Readiness, not liveness: a dead loop takes the process out of rotation and says which one.
            .AddCheck<BackgroundServicesHealthCheck>(BackgroundServicesCheckName, tags: [ReadyTag]);
        // A check registered with a timeout answers within it even if it ignores cancellation: readiness reports
        // a frozen dependency instead of hanging with it.
        builder.Services.PostConfigure<HealthCheckServiceOptions>(TimeBoxedHealthCheck.Apply);
        // A background loop that throws must not end the process (the default stops the host, and with it
        // everything the process still serves): the loop's error is logged and the check above reports it.
        builder.Services.Configure<HostOptions>(options =>
            options.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore);
        return builder;
    }

    /// <summary>
    /// Errors as ProblemDetails, authentication and authorization inside that error handling, then
    /// <see cref="MapInfrastructureEndpoints"/>: what an API maps.
    /// </summary>
    /// <param name="app">The service.</param>
    /// <param name="authenticate">False for an app that places authentication itself (the gateway, around its rate limiter),
    /// after this call so that its errors are answered the same way.</param>
    public static WebApplication MapDefaultEndpoints(this WebApplication app, bool authenticate = true)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        if (authenticate && app.Services.GetService<IAuthenticationSchemeProvider>() is not null)
        {
            // Left to WebApplication, authentication runs before this pipeline, outside the handlers above: a failure to
            // check a token (Identity's keys unavailable, a 503) reached the developer page or Kestrel as a bare 500.
            app.UseAuthentication();
            if (app.Services.GetService<IAuthorizationHandlerProvider>() is not null)
            {
                app.UseAuthorization();
            }
        }

        return app.MapInfrastructureEndpoints();
    }

    /// <summary>
    /// Health, metrics and the OpenAPI document, without the API's error answers: for an app that answers
    /// errors in its own way (the storefront's error pages).
    /// </summary>
    public static WebApplication MapInfrastructureEndpoints(this WebApplication app)
    {
        // Outside Development too: Kubernetes probes and the AppHost use these.
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
            ResponseWriter = HealthReportWriter.WriteAsync,
        });
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions { ResponseWriter = HealthReportWriter.WriteAsync });
        // Aspire's WithHttpHealthCheck() probes /health by default; it means readiness.
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthReportWriter.WriteAsync });

        app.MapPrometheusScrapingEndpoint();

        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }

        return app;
    }

    private static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
