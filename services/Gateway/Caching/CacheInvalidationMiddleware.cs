using Microsoft.AspNetCore.OutputCaching;

namespace Gateway.Caching;

/// <summary>
/// A write through the gateway that may have changed something (it succeeded, or the gateway cannot know: a 5xx or a
/// timeout) drops every answer the gateway keeps for the same API: a changed
/// product changes its own read and every list it appears in (RFC 9111 §4.4 asks for the target URI at least).
/// Changes that do not pass through this gateway (another replica's writes, availability from Inventory's events)
/// are seen when the entry expires, after the service's own short <c>max-age</c>.
/// </summary>
public sealed class CacheInvalidationMiddleware(RequestDelegate next, IOutputCacheStore store)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);

        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method)
            || context.Response.StatusCode is >= StatusCodes.Status400BadRequest and < StatusCodes.Status500InternalServerError
            || TagOf(context.Request.Path) is not { } tag)
        {
            return;
        }

        await store.EvictByTagAsync(tag, CancellationToken.None);
    }

    /// <summary>The tag of an API's answers: its first two path segments (<c>/api/catalog</c>); null outside <c>/api</c>.</summary>
    internal static string? TagOf(PathString path)
    {
        var value = path.Value;
        if (value is null || !value.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var end = value.IndexOf('/', "/api/".Length);
        return (end < 0 ? value : value[..end]).ToLowerInvariant();
    }
}
