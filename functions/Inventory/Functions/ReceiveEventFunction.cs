using BuildingBlocks.Dapr;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Inventory.Functions;

/// <summary>
/// Events delivered over HTTP, as Dapr pub/sub calls an app under the Functions host (a declarative
/// subscription in dapr/subscriptions routes each topic here). Locally the native bus delivers them.
/// </summary>
public sealed class ReceiveEventFunction
{
    [Function("ReceiveEvent")]
    public Task<IResult> Run(
        // Anonymous: the caller is the Dapr sidecar on the pod's loopback; the gateway never routes here.
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "events/{topic}")] HttpRequest request, string topic) =>
        DaprSubscriptionEndpoints.ReceiveAsync(request, topic);
}
