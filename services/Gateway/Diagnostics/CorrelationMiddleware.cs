using System.Buffers;
using System.Diagnostics;

namespace Gateway.Diagnostics;

/// <summary>
/// Puts the trace on every response, whoever answers (a service, the rate limiter, authentication, a
/// timeout): <c>X-Trace-Id</c> is the current trace (the one <c>traceparent</c> carries to the
/// services), <c>X-Correlation-Id</c> echoes the client's own id when it is sane, else the trace id.
/// The correlation id is forwarded to the services too. Set in OnStarting because error paths clear
/// the response headers before writing.
/// </summary>
public sealed class CorrelationMiddleware(RequestDelegate next)
{
    public const string CorrelationHeader = "X-Correlation-Id";
    public const string TraceHeader = "X-Trace-Id";
    private const int MaxCorrelationIdLength = 128;

    // Enough for GUIDs, trace ids and typical request ids; nothing that could split or inject a header or a log line.
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:");

    public Task InvokeAsync(HttpContext context)
    {
        var traceId = Activity.Current?.TraceId.ToHexString() ?? context.TraceIdentifier;
        var correlationId = context.Request.Headers[CorrelationHeader] is [{ } given] && IsSane(given) ? given : traceId;
        context.Request.Headers[CorrelationHeader] = correlationId;

        context.Response.OnStarting(static state =>
        {
            var (response, correlationId, traceId) = ((HttpResponse, string, string))state;
            response.Headers[CorrelationHeader] = correlationId;
            response.Headers[TraceHeader] = traceId;
            return Task.CompletedTask;
        }, (context.Response, correlationId, traceId));

        return next(context);
    }

    private static bool IsSane(string value) =>
        value.Length is > 0 and <= MaxCorrelationIdLength && !value.AsSpan().ContainsAnyExcept(Allowed);
}
