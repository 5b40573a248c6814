using System.Net;
using Gateway.Caching;
using Gateway.Diagnostics;
using Gateway.Failover;
using Gateway.LoadBalancing;
using Gateway.RateLimiting;
using Gateway.Timeouts;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Transforms;

namespace Gateway;

public static class GatewayServiceExtensions
{
    /// <summary>Gateway settings that are not YARP's: <c>Gateway:Timeouts</c>, <c>Gateway:Failover</c>, <c>Gateway:ResponseCache</c>, <c>Gateway:ForwardedHeaders</c>, <c>Gateway:ExposeUpstream</c>.</summary>
    public const string SectionName = "Gateway";

    /// <summary>The connection name of the Redis that holds the rate-limit counters.</summary>
    public const string RedisName = "redis";

    /// <summary>
    /// YARP with routes and clusters from the "ReverseProxy" configuration section. Cluster
    /// destinations name services ("http://catalog"), resolved by service discovery: Aspire's
    /// environment variables locally, Kubernetes DNS in a cluster. Routes name the guards that apply
    /// to them (AuthorizationPolicy, RateLimiterPolicy, TimeoutPolicy, MaxRequestBodySize), so each is
    /// tuned in configuration rather than code.
    /// </summary>
    public static void AddGatewayServices(this IHostApplicationBuilder builder)
    {
        var gateway = builder.Configuration.GetSection(SectionName);

        // Tokens are validated here so that anonymous floods never reach a service; the Authorization
        // header is still forwarded and services validate again (defence in depth).
        builder.AddDefaultAuthentication();

        builder.Services.AddRequestTimeouts(options =>
        {
            // Named policies referenced by routes' TimeoutPolicy; values in configuration so that an
            // environment (or a test) can tighten them.
            foreach (var policy in gateway.GetSection("Timeouts").GetChildren())
            {
                options.AddPolicy(policy.Key, policy.Get<TimeSpan>());
            }
        });

        builder.Services.AddOptions<RateLimitingOptions>()
            .BindConfiguration(RateLimitingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // The policy is registered with ASP.NET Core's rate limiting, which is where YARP checks that a route's
        // RateLimiterPolicy exists; ClientRateLimitingMiddleware enforces it (why: its summary).
        builder.Services.AddRateLimiter(options => options.AddPolicy<string, ClientRateLimiterPolicy>(ClientRateLimiterPolicy.Name));
        builder.Services.AddSingleton<ClientRateLimiterPolicy>();
        builder.Services.AddSingleton<ClientLimiters>();
        builder.Services.AddSingleton<LoginFailureLimiter>();
        builder.Services.AddSingleton<SharedWindowCounter>();
        // Redis shares the rate-limit counters between replicas. It is optional (without it each replica
        // counts alone) and never makes the gateway unready: fail fast while it is away, no health check.
        if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString(RedisName)))
        {
            builder.AddRedisClient(RedisName, settings => settings.DisableHealthChecks = true,
                options =>
                {
                    options.BacklogPolicy = StackExchange.Redis.BacklogPolicy.FailFast;
                    options.AbortOnConnectFail = false; // start without Redis and connect when it comes
                });
        }

        builder.Services.AddOptions<FailoverOptions>()
            .BindConfiguration($"{SectionName}:{FailoverOptions.SectionName}")
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            // Only proxies named in configuration may speak for the client; the framework's defaults
            // (loopback) are cleared so nothing is trusted unless configured.
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in gateway.GetSection("ForwardedHeaders:KnownProxies").Get<string[]>() ?? [])
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in gateway.GetSection("ForwardedHeaders:KnownNetworks").Get<string[]>() ?? [])
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });

        builder.Services.AddOptions<ResponseCacheOptions>()
            .BindConfiguration($"{SectionName}:{ResponseCacheOptions.SectionName}")
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<SharedResponseCachePolicy>();
        builder.Services.AddOutputCache();
        builder.Services.AddOptions<OutputCacheOptions>().Configure<SharedResponseCachePolicy, IOptions<ResponseCacheOptions>>(
            (options, policy, responseCache) =>
            {
                options.SizeLimit = responseCache.Value.SizeLimitMegabytes * 1024L * 1024;
                options.MaximumBodySize = responseCache.Value.MaximumBodyKilobytes * 1024L;
                options.AddPolicy(SharedResponseCachePolicy.Name, policy);
            });

        builder.Services.AddSingleton<ILoadBalancingPolicy, WeightedLoadBalancingPolicy>();
        // YARP keeps a destination its passive check ejected out for the longer of the cluster's ReactivationPeriod and
        // this policy's failure-rate window, 60 s unless set: with the default a replica that came back got no traffic
        // for a minute whatever the clusters said. The window is configured no longer than their ReactivationPeriod.
        builder.Services.AddOptions<TransportFailureRateHealthPolicyOptions>()
            .BindConfiguration($"{SectionName}:PassiveHealth")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TransportFailureRateHealthPolicyOptions>, PassiveHealthWindowValidation>();

        var exposeUpstream = gateway.GetValue<bool>("ExposeUpstream");
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddConfigFilter<ExcludedDestinationsFilter>()
            .AddServiceDiscoveryDestinationResolver()
            .AddTransforms(transforms =>
            {
                transforms.AddResponseTransform(PassiveFailoverMiddleware.SuppressRetriedBody);
                if (transforms.Route.OutputCachePolicy is not null)
                {
                    transforms.AddResponseTransform(transforms.Services.GetRequiredService<SharedResponseCachePolicy>().TakeLifetimeAsync);
                }

                if (exposeUpstream)
                {
                    transforms.AddResponseTransform(UpstreamHeader.AddAsync);
                }
            });
    }

    /// <summary>
    /// What runs before anything can answer: correlation headers (so that every response carries
    /// them, errors included) and, when proxies are configured, the client address they forward.
    /// </summary>
    public static WebApplication UseGatewayFrontDoor(this WebApplication app)
    {
        app.UseMiddleware<CorrelationMiddleware>();

        var forwarded = app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        if (forwarded.KnownProxies.Count > 0 || forwarded.KnownIPNetworks.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    /// <summary>
    /// The guards, after MapDefaultEndpoints so that their bare status codes get ProblemDetails bodies.
    /// The rate limiter sits between authentication (to partition by user) and authorization (so that
    /// requests with missing or bad tokens are counted against their IP too). The shared cache answers only
    /// after all of them, so that a stored answer is limited and authorized like a forwarded one.
    /// </summary>
    public static WebApplication UseGatewayGuards(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseMiddleware<ClientRateLimitingMiddleware>();
        app.UseAuthorization();
        app.UseRequestTimeouts();
        app.UseOutputCache();
        return app;
    }

    /// <summary>
    /// An <c>/api</c> path that no route serves is the API's 404 (a ProblemDetails, from the status-code pages of
    /// MapDefaultEndpoints), not the storefront's page: every other path goes to the storefront (route
    /// <c>storefront</c>, <c>/{**path}</c>, ordered after this).
    /// </summary>
    public static WebApplication MapUnknownApiPaths(this WebApplication app)
    {
        app.Map("/api/{**rest}", () => Results.NotFound()).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// YARP's standard proxy pipeline, with cache invalidation, timeout answering, login throttling and passive
    /// failover in front: they need to see the upstream answer, and failover must re-run load balancing for each try.
    /// </summary>
    public static void UseGatewayProxyPipeline(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<CacheInvalidationMiddleware>();
        proxy.UseMiddleware<RouteTimeoutMiddleware>();
        proxy.UseMiddleware<LoginThrottleMiddleware>();
        proxy.UseMiddleware<PassiveFailoverMiddleware>();
        proxy.UseSessionAffinity();
        proxy.UseLoadBalancing();
        proxy.UsePassiveHealthChecks();
    }
}
