using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.OpenApi;

/// <summary>
/// The gateway's public OpenAPI document, composed on request from the live YARP configuration and the
/// backends' <c>/openapi/v1.json</c>, fetched through service discovery. Each backend's document is kept
/// for <see cref="FreshFor"/>; one that cannot be had within <see cref="FetchTimeout"/> is asked again after
/// <see cref="RetryAfter"/>, and meanwhile the last good copy (or nothing) is used: a backend that is down
/// never stops the gateway from starting, being healthy or serving what it knows.
/// </summary>
public sealed class PublicApiDocument(
    IProxyConfigProvider proxyConfig,
    IAuthorizationPolicyProvider policies,
    IHttpClientFactory httpClients,
    IConfiguration configuration,
    ILogger<PublicApiDocument> logger,
    TimeProvider time)
{
    public const string HttpClientName = "openapi-documents";

    /// <summary>Route metadata: "false" leaves the route out of the public API document.</summary>
    public const string PublicApiMetadata = "PublicApi";
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan FreshFor = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private sealed record Fetched(JsonObject? Document, DateTimeOffset At, bool Succeeded);

    private readonly ConcurrentDictionary<string, Fetched> _documents = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _refresh = new(1, 1);

    public async Task<JsonObject> GetAsync(CancellationToken cancellationToken)
    {
        var config = proxyConfig.GetConfig();
        var routes = await RoutesAsync(config.Routes);
        var clusters = config.Clusters.Where(c => routes.Any(r => r.ClusterId == c.ClusterId)).ToList();
        await RefreshAsync(clusters, cancellationToken);

        var backends = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var unavailable = new List<string>();
        foreach (var cluster in clusters)
        {
            if (Addresses(cluster).Select(a => _documents.GetValueOrDefault(a)?.Document).FirstOrDefault(d => d is not null) is { } document)
            {
                backends[cluster.ClusterId] = document;
            }
            else
            {
                unavailable.Add(cluster.ClusterId);
            }
        }

        var license = configuration.GetSection("OpenApi:License");
        return PublicApiComposer.Compose(
            new PublicApiComposer.Header(
                "Ecommerce.Aspire public API",
                "Everything a client can call, as it calls it: through the gateway, the only way in. Catalog reads, "
                + "registration, sign-in and token refresh are open; everything else needs an access token (`Authorization: Bearer`), "
                + "and operations that list a role need that role. Errors are RFC 9457 ProblemDetails (`application/problem+json`); "
                + "validation errors name each field in `errors`. Requests are rate-limited per user (per client address when "
                + "anonymous): 429 with `Retry-After`. Composed by the gateway from its routes and its services' own documents.",
                license["Name"] ?? OpenApiLicenseDefaults.Name,
                license["Identifier"] ?? OpenApiLicenseDefaults.Identifier),
            routes, backends, unavailable);
    }

    private async Task<List<GatewayRoute>> RoutesAsync(IReadOnlyList<RouteConfig> configured)
    {
        var routes = new List<GatewayRoute>();
        foreach (var route in configured)
        {
            if (route.Match.Path is not { Length: > 0 } path || route.ClusterId is not { Length: > 0 } cluster)
            {
                continue;
            }

            // A route to pages, not to the API (the storefront): nothing to document, no document to fetch.
            if (route.Metadata?.TryGetValue(PublicApiMetadata, out var inApi) == true && string.Equals(inApi, "false", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            string? removed = null, added = null;
            var inexpressible = false;
            foreach (var transform in route.Transforms ?? [])
            {
                removed = transform.TryGetValue("PathRemovePrefix", out var r) ? r : removed;
                added = transform.TryGetValue("PathPrefix", out var a) ? a : added;
                inexpressible |= transform.ContainsKey("PathSet") || transform.ContainsKey("PathPattern");
            }

            if (inexpressible)
            {
                // Which client path reaches which backend path is not invertible here: leave the route out rather than guess.
                logger.LogWarning("Route {RouteId} rewrites paths with PathSet/PathPattern; it is left out of the public OpenAPI document.", route.RouteId);
                continue;
            }

            var policy = route.AuthorizationPolicy;
            var anonymous = string.Equals(policy, "anonymous", StringComparison.OrdinalIgnoreCase);
            var secured = !anonymous && !string.IsNullOrEmpty(policy);
            IReadOnlyList<string> roles = [];
            if (secured && !string.Equals(policy, "default", StringComparison.OrdinalIgnoreCase)
                && await policies.GetPolicyAsync(policy!) is { } named)
            {
                roles = [.. named.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).Distinct().Order(StringComparer.Ordinal)];
            }

            routes.Add(new GatewayRoute(route.RouteId, cluster, path,
                [.. (route.Match.Methods ?? []).Select(m => m.ToUpperInvariant())], route.Order ?? 0, secured, roles,
                !string.IsNullOrEmpty(route.TimeoutPolicy), route.MaxRequestBodySize is > 0, removed, added));
        }

        return routes;
    }

    /// <summary>Where a cluster's document is asked for: its destinations, primaries first (backups only when they fail).</summary>
    private static IEnumerable<string> Addresses(ClusterConfig cluster) =>
        (cluster.Destinations ?? new Dictionary<string, DestinationConfig>())
            .OrderBy(d => d.Value.Metadata?.GetValueOrDefault("Backup") == "true" ? 1 : 0).ThenBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => d.Value.Address.TrimEnd('/'));

    private async Task RefreshAsync(IReadOnlyList<ClusterConfig> clusters, CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            await Task.WhenAll(clusters.Select(cluster => RefreshClusterAsync(cluster, cancellationToken)));
        }
        finally
        {
            _refresh.Release();
        }
    }

    private async Task RefreshClusterAsync(ClusterConfig cluster, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var address in Addresses(cluster))
        {
            var known = _documents.GetValueOrDefault(address);
            if (known is not null && now - known.At < (known.Succeeded ? FreshFor : RetryAfter))
            {
                if (known.Document is not null)
                {
                    return;
                }

                continue;
            }

            var fetched = await FetchAsync(address, cancellationToken);
            // A failed fetch keeps the last good copy, so a backend that restarts does not empty the document.
            _documents[address] = new Fetched(fetched ?? known?.Document, now, fetched is not null);
            if (fetched is not null)
            {
                return;
            }
        }
    }

    private async Task<JsonObject?> FetchAsync(string address, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FetchTimeout);
        try
        {
            var client = httpClients.CreateClient(HttpClientName);
            using var response = await client.GetAsync($"{address}/openapi/v1.json", timeout.Token);
            response.EnsureSuccessStatusCode();
            return JsonNode.Parse(await response.Content.ReadAsStringAsync(timeout.Token)) as JsonObject;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException or System.Text.Json.JsonException
            && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("The OpenAPI document of {Address} could not be had ({Error}); the public document goes without it for now.",
                address, ex.Message);
            return null;
        }
    }
}
