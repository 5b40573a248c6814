using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Caching;

/// <summary>
/// The gateway as an HTTP shared cache (RFC 9111) on the routes that name this policy (<c>OutputCachePolicy</c>):
/// it stores a GET or HEAD answer only when the service that gave it says a shared cache may, with
/// <c>Cache-Control: public</c> and a positive <c>s-maxage</c> or <c>max-age</c>, and keeps it that long (capped by
/// <see cref="ResponseCacheOptions.MaxLifetime"/>). The service decides what is public and how stale it may be; a
/// route opts in here, and an answer without that header (every user's own data) is never stored. Because
/// <c>public</c> allows it, a stored answer is served to anonymous and signed-in callers alike, after authentication
/// and the rate limits have run. Each entry is tagged with its API (<c>/api/catalog</c>) so that a write through the
/// gateway can drop it (<see cref="CacheInvalidationMiddleware"/>).
/// </summary>
public sealed class SharedResponseCachePolicy(IOptions<ResponseCacheOptions> options) : IOutputCachePolicy
{
    public const string Name = "shared";

    ValueTask IOutputCachePolicy.CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var request = context.HttpContext.Request;
        var cacheable = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        context.EnableOutputCaching = true;
        context.AllowCacheLookup = cacheable;
        context.AllowCacheStorage = cacheable;
        // The services coalesce their own reads; a lock here would queue every caller behind an answer that may
        // turn out not to be storable.
        context.AllowLocking = false;
        context.CacheVaryByRules.QueryKeys = "*";
        if (CacheInvalidationMiddleware.TagOf(request.Path) is { } tag)
        {
            context.Tags.Add(tag);
        }

        return ValueTask.CompletedTask;
    }

    ValueTask IOutputCachePolicy.ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) =>
        ValueTask.CompletedTask;

    /// <summary>
    /// The entry's lifetime, taken as the service's answer arrives (a YARP response transform): the output cache fixes
    /// an entry's lifetime when the body starts, before <see cref="IOutputCachePolicy.ServeResponseAsync"/> runs.
    /// </summary>
    public ValueTask TakeLifetimeAsync(ResponseTransformContext transform)
    {
        if (transform.HttpContext.Features.Get<IOutputCacheFeature>()?.Context is { } context && Storable(transform.HttpContext.Response) is { } lifetime)
        {
            var max = options.Value.MaxLifetime;
            context.ResponseExpirationTimeSpan = lifetime < max ? lifetime : max;
        }

        return ValueTask.CompletedTask;
    }

    // Decides on the answer as it ended (the gateway's own errors included, which no transform saw).
    ValueTask IOutputCachePolicy.ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        if (Storable(context.HttpContext.Response) is null || context.ResponseExpirationTimeSpan is null)
        {
            context.AllowCacheStorage = false;
        }

        return ValueTask.CompletedTask;
    }

    private static TimeSpan? Storable(HttpResponse response) =>
        response.StatusCode == StatusCodes.Status200OK
        && !response.Headers.ContainsKey(HeaderNames.SetCookie) && !response.Headers.ContainsKey(HeaderNames.Vary)
            ? SharedLifetime(response)
            : null;

    /// <summary>How long the answer's own <c>Cache-Control</c> lets a shared cache keep it; null: not at all.</summary>
    internal static TimeSpan? SharedLifetime(HttpResponse response)
    {
        if (!CacheControlHeaderValue.TryParse(response.Headers.CacheControl.ToString(), out var cacheControl)
            || !cacheControl.Public || cacheControl.Private || cacheControl.NoStore || cacheControl.NoCache)
        {
            return null;
        }

        return (cacheControl.SharedMaxAge ?? cacheControl.MaxAge) is { } age && age > TimeSpan.Zero ? age : null;
    }
}
