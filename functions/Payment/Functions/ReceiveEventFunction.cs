using BuildingBlocks.Dapr;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Payment.Functions;

/// <summary>
/// Events delivered over HTTP, as Dapr pub/sub calls an app under the Functions host (a declarative
/// subscription in dapr/subscriptions routes each topic here). Locally the native bus delivers them instead.
/// </summary>
public sealed class ReceiveEventFunction
{
    [EndpointSummary("Deliver a CloudEvent of a topic (Dapr pub/sub)")]
    [ProducesResponseType(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status500InternalServerError)]
    [Function("ReceiveEvent")]
    public Task<IActionResult> Run(
        // Anonymous: the caller is the Dapr sidecar on the pod's loopback; the gateway never routes here.
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "events/{topic}")] HttpRequest request, string topic) =>
        DaprSubscriptionEndpoints.ReceiveInFunctionAsync(request, topic);
}
