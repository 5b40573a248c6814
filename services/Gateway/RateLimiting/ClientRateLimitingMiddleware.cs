using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Gateway.RateLimiting;

/// <summary>
/// Enforces <see cref="ClientRateLimiterPolicy"/> on the endpoints that name it (a route's <c>RateLimiterPolicy</c>,
/// <c>RequireRateLimiting</c>), where ASP.NET Core's rate-limiting middleware would: same metadata, same partitions,
/// same 429. It replaces that middleware because its partitioned limiter wakes the process ten times a second, with
/// or without requests (docs/benchmarks.md, "At rest: the gateway's rate limiter"); here the clients' limiters are
/// kept by <see cref="ClientLimiters"/>, which does its housekeeping on requests.
/// </summary>
public sealed class ClientRateLimitingMiddleware(RequestDelegate next, ClientRateLimiterPolicy policy, ClientLimiters limiters)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        if (metadata is null || metadata.GetMetadata<DisableRateLimitingAttribute>() is not null
            || metadata.GetMetadata<EnableRateLimitingAttribute>() is not { } enabled)
        {
            await next(context);
            return;
        }

        if (enabled.PolicyName != ClientRateLimiterPolicy.Name)
        {
            // A route naming a policy that does not exist is a configuration error, refused as ASP.NET Core's middleware refuses it.
            throw new InvalidOperationException($"The endpoint asks for rate limiter policy '{enabled.PolicyName}'; the gateway has only '{ClientRateLimiterPolicy.Name}'.");
        }

        using var lease = await AcquireAsync(context);
        if (lease is null)
        {
            return; // the client left while its count was asked for: nobody to answer
        }

        if (!lease.IsAcquired)
        {
            await TooManyRequests.WriteAsync(context, lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : null);
            return;
        }

        await next(context);
    }

    private async Task<RateLimitLease?> AcquireAsync(HttpContext context)
    {
        try
        {
            return await limiters.For(policy.GetPartition(context)).AcquireAsync(1, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return null;
        }
    }
}
