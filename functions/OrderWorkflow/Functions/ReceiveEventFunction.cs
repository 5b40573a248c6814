using BuildingBlocks.Dapr;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Hosting;

namespace OrderWorkflow.Functions;

/// <summary>
/// Events delivered over HTTP, as Dapr pub/sub calls an app under the Functions host (a declarative
/// subscription routes each topic here). Locally the native bus delivers them instead.
/// </summary>
public sealed class ReceiveEventFunction
{
    [EndpointSummary("Deliver a CloudEvent of a topic (Dapr pub/sub)")]
    [ProducesResponseType(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status500InternalServerError)]
    [Authorize(Policy = ServiceCallers.EventDelivery)]
    [Function("ReceiveEvent")]
    public Task<IActionResult> Run(
        // The caller is the Dapr sidecar (its app API token) or a service with a token; the gateway never routes here.
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "events/{topic}")] HttpRequest request, string topic) =>
        DaprSubscriptionEndpoints.ReceiveInFunctionAsync(request, topic);
}
