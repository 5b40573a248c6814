using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.RateLimiting;

/// <summary>
/// Brute-force protection for routes with metadata <c>LoginThrottle</c> = <c>true</c> (POST
/// /api/identity/login): once <see cref="RateLimitingOptions.LoginFailuresPerMinute"/> failures are
/// recorded for an account (the body's <c>email</c>, lower-cased), or
/// <see cref="RateLimitingOptions.LoginFailuresPerIp"/> for a client IP, further logins for it are
/// refused with 429 before they reach Identity, right password or not, until the window passes. A
/// failure is Identity answering 401.
/// </summary>
public sealed partial class LoginThrottleMiddleware(RequestDelegate next, LoginFailureLimiter failures, ILogger<LoginThrottleMiddleware> logger)
{
    public const string MetadataKey = "LoginThrottle";

    public async Task InvokeAsync(HttpContext context)
    {
        var route = context.GetReverseProxyFeature().Route.Config;
        if (route.Metadata?.GetValueOrDefault(MetadataKey) is not { } enabled || !bool.TryParse(enabled, out var throttled) || !throttled)
        {
            await next(context);
            return;
        }

        // YARP applies the route's MaxRequestBodySize at the end of the proxy pipeline, too late for a body
        // read here; applied now, an oversized login is refused (413) before it is buffered.
        if (route.MaxRequestBodySize is { } limit && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit == -1 ? null : limit;
        }

        var clientAddress = ClientAddress.Of(context);
        var keys = LoginFailureLimiter.Keys(await ReadAccountAsync(context.Request), clientAddress);
        if (await failures.BlockedAsync(keys, context.RequestAborted) is { } retryAfter)
        {
            LogRefused(logger, clientAddress);
            await TooManyRequests.WriteAsync(context, retryAfter);
            return;
        }

        await next(context);

        if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
        {
            // Not the client's token: a client that hangs up after its 401 still has the failure counted.
            await failures.RecordFailureAsync(keys, CancellationToken.None);
        }
    }

    /// <summary>
    /// The login's email, from a body that is small (the route's MaxRequestBodySize bounds it) and
    /// therefore buffered and rewound for the proxy to send on. Null when there is none to read.
    /// </summary>
    private static async Task<string?> ReadAccountAsync(HttpRequest request)
    {
        request.EnableBuffering();
        try
        {
            var login = await JsonSerializer.DeserializeAsync<LoginAttempt>(request.Body, JsonSerializerOptions.Web, request.HttpContext.RequestAborted);
            return login?.Email?.Trim().ToLowerInvariant();
        }
        catch (JsonException)
        {
            return null; // Identity will refuse it; the IP is still counted.
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    private sealed record LoginAttempt(string? Email);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a login from {ClientIp}: too many failed logins for its account or address.")]
    private static partial void LogRefused(ILogger logger, string clientIp);
}
