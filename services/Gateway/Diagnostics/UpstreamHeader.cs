using Yarp.ReverseProxy.Transforms;

namespace Gateway.Diagnostics;

/// <summary>
/// Response header <c>X-Upstream</c>: the configured destination (the AppHost resource, e.g.
/// <c>catalog-2</c>) that served the request, when <c>Gateway:ExposeUpstream</c> is true (local
/// Development runs and tests, which count the weighted split with it). Off by default: it tells the
/// outside about the inside.
/// </summary>
public static class UpstreamHeader
{
    public const string Name = "X-Upstream";

    public static ValueTask AddAsync(ResponseTransformContext context)
    {
        if (context.HttpContext.GetReverseProxyFeature().ProxiedDestination is { } destination)
        {
            context.HttpContext.Response.Headers[Name] = ConfiguredName(destination.DestinationId);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Service discovery names each destination it resolves <c>{configured name}[{address}]</c>; the
    /// configured name is what a reader knows (and counts), the address is an implementation detail.
    /// </summary>
    public static string ConfiguredName(string destinationId)
    {
        var resolved = destinationId.IndexOf('[', StringComparison.Ordinal);
        return resolved > 0 && destinationId.EndsWith(']') ? destinationId[..resolved] : destinationId;
    }
}
