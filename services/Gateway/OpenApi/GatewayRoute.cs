using Microsoft.AspNetCore.Routing.Template;

namespace Gateway.OpenApi;

/// <summary>
/// A public YARP route as the public document needs it: what it matches, which cluster answers, and the
/// guards the gateway applies (authorization, body size, timeout). Built from the live proxy configuration.
/// </summary>
/// <param name="Id">The route id.</param>
/// <param name="ClusterId">The cluster the route forwards to.</param>
/// <param name="PathPattern">The route's path pattern, e.g. <c>/api/catalog/{**rest}</c>.</param>
/// <param name="Methods">The methods it matches, upper case; empty for any.</param>
/// <param name="Order">YARP's route order (lower first), 0 when unset.</param>
/// <param name="Secured">True when the gateway requires a bearer token on this route.</param>
/// <param name="Roles">The roles the route's authorization policy requires.</param>
/// <param name="HasTimeout">True when the route has a timeout policy (the gateway then answers 504).</param>
/// <param name="LimitsBody">True when the route caps request bodies (the gateway then answers 413).</param>
/// <param name="RemovedPrefix">A <c>PathRemovePrefix</c> transform: the backend sees the path without it.</param>
/// <param name="AddedPrefix">A <c>PathPrefix</c> transform: the backend sees the path with it.</param>
public sealed record GatewayRoute(
    string Id,
    string ClusterId,
    string PathPattern,
    IReadOnlyList<string> Methods,
    int Order,
    bool Secured,
    IReadOnlyList<string> Roles,
    bool HasTimeout,
    bool LimitsBody,
    string? RemovedPrefix = null,
    string? AddedPrefix = null)
{
    private TemplateMatcher? _matcher;
    private decimal? _precedence;

    /// <summary>True when a client request to <paramref name="path"/> (an OpenAPI path template) with <paramref name="method"/> matches this route.</summary>
    public bool Matches(string path, string method)
    {
        // OpenAPI parameters ("{id}") are matched as literal text: route parameters and catch-alls accept
        // them, and a route literal never equals them.
        _matcher ??= new TemplateMatcher(TemplateParser.Parse(PathPattern.TrimStart('/')), new RouteValueDictionary());
        return (Methods.Count == 0 || Methods.Contains(method, StringComparer.OrdinalIgnoreCase))
            && _matcher.TryMatch(new Microsoft.AspNetCore.Http.PathString(path), new RouteValueDictionary());
    }

    /// <summary>ASP.NET Core routing's inbound precedence of the pattern: lower is more specific and wins.</summary>
    public decimal Precedence => _precedence ??= RoutePrecedence.ComputeInbound(TemplateParser.Parse(PathPattern.TrimStart('/')));

    /// <summary>The path a client calls for the backend path <paramref name="backendPath"/>, or null when no client path reaches it.</summary>
    public string? ClientPath(string backendPath)
    {
        var path = backendPath;
        if (AddedPrefix is { Length: > 0 } added)
        {
            if (!path.StartsWith(added.TrimEnd('/') + "/", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            path = path[added.TrimEnd('/').Length..];
        }

        if (RemovedPrefix is { Length: > 0 } removed)
        {
            path = removed.TrimEnd('/') + path;
        }

        return path;
    }
}
