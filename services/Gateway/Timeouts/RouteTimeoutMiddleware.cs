using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Timeouts;

/// <summary>
/// Lets the route's timeout policy answer when it cut a proxied request short. The request timeouts
/// middleware signals a timeout by cancelling RequestAborted; YARP cannot tell that from a client that
/// went away and answers 400 without throwing. Re-raising the cancellation hands the request back to
/// the request timeouts middleware, which answers as the policy says (504 by default). Needed with
/// YARP 2.3.0; Gateway.Tests' 504 test shows when a YARP upgrade makes it redundant.
/// </summary>
public sealed class RouteTimeoutMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);

        if (context.Features.Get<IHttpRequestTimeoutFeature>() is { RequestTimeoutToken: { IsCancellationRequested: true } timeout }
            && context.Features.Get<IForwarderErrorFeature>() is not null
            && !context.Response.HasStarted)
        {
            throw new OperationCanceledException("The route's timeout elapsed before the destination answered.", timeout);
        }
    }
}
