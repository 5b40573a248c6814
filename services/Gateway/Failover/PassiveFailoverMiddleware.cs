using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Failover;

/// <summary>
/// Passive failover, in YARP's proxy pipeline ahead of load balancing: a replayable request (GET,
/// HEAD, OPTIONS without a body) whose try failed to connect or got a 502/503/504 from upstream is
/// sent again to another destination of the same cluster that was available and not yet tried, while
/// nothing has been sent to the client. The client sees one answer; passive health checks still see
/// every failed try. Requests with other methods or a body are never repeated: they may not be
/// idempotent and their body cannot be replayed.
/// </summary>
public sealed partial class PassiveFailoverMiddleware(RequestDelegate next, IOptionsMonitor<FailoverOptions> options, ILogger<PassiveFailoverMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var maxAttempts = options.CurrentValue.MaxAttempts;
        if (maxAttempts < 2 || !IsReplayable(context))
        {
            await next(context);
            return;
        }

        var proxy = context.GetReverseProxyFeature();
        var attempt = new FailoverAttempt(proxy.AvailableDestinations, maxAttempts);
        context.Features.Set(attempt);

        while (true)
        {
            await next(context);

            if (proxy.ProxiedDestination is not { } tried)
            {
                return; // Nothing was available to try.
            }

            attempt.Tried(tried);
            var error = context.Features.Get<IForwarderErrorFeature>()?.Error;
            var retriable = attempt.RetryRequested || IsTransportFailure(error);
            if (!retriable || context.Response.HasStarted || context.RequestAborted.IsCancellationRequested
                || !attempt.CanTryAnother(current: null))
            {
                return;
            }

            LogRetrying(logger, context.Request.Method, context.Request.Path, tried.DestinationId,
                error?.ToString() ?? context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));

            // Forget the failed try: its status and headers, its error (else the forwarder and passive
            // health checks would see a stale one), and its destination.
            attempt.RetryRequested = false;
            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature>(null);
            proxy.AvailableDestinations = attempt.Untried();
        }
    }

    /// <summary>
    /// Response transform: a 502/503/504 from upstream that will be retried must not reach the client,
    /// so its body is not copied (its status and headers are cleared before the next try).
    /// </summary>
    public static ValueTask SuppressRetriedBody(ResponseTransformContext context)
    {
        if (context.ProxyResponse is { } response
            && IsRetriableStatus((int)response.StatusCode)
            && context.HttpContext.Features.Get<FailoverAttempt>() is { } attempt
            && attempt.CanTryAnother(context.HttpContext.GetReverseProxyFeature().ProxiedDestination))
        {
            context.SuppressResponseBody = true;
            attempt.RetryRequested = true;
        }

        return ValueTask.CompletedTask;
    }

    private static bool IsReplayable(HttpContext context)
    {
        var method = context.Request.Method;
        return (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
            && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true;
    }

    private static bool IsRetriableStatus(int status) =>
        status is StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout;

    // Failures to reach the destination or to read its answer's head. Not cancellations (the client
    // left or the gateway's own timeout fired) and not client-side errors.
    private static bool IsTransportFailure(ForwarderError? error) =>
        error is ForwarderError.Request or ForwarderError.RequestTimedOut or ForwarderError.ResponseHeaders
            or ForwarderError.ResponseBodyDestination;

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrying {Method} {Path} elsewhere: destination {Destination} failed with {Failure}.")]
    private static partial void LogRetrying(ILogger logger, string method, PathString path, string destination, string failure);
}
