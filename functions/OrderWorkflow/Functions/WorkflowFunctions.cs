using BuildingBlocks.Dapr;
using BuildingBlocks.EventBus;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using OrderWorkflow.Saga;

namespace OrderWorkflow.Functions;

/// <summary>
/// Resumes sagas that are due: retries after a transient failure, and sagas whose runner died (its
/// lease ran out). Fires on every replica; runners claim sagas with a lease, so none runs twice.
/// </summary>
public sealed class AdvanceSagasFunction(SagaRunner runner)
{
    [Function("AdvanceSagas")]
    public Task Run([TimerTrigger("%WorkflowSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        runner.RunDueAsync(max: 200, cancellationToken);
}

/// <summary>
/// Events delivered over HTTP, as Dapr pub/sub calls an app under the Functions host (a declarative
/// subscription routes each topic here). Locally the native bus delivers them instead.
/// </summary>
public sealed class ReceiveEventFunction
{
    [Function("ReceiveEvent")]
    public Task<IResult> Run(
        // Anonymous: the caller is the Dapr sidecar on the pod's loopback; the gateway never routes here.
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "events/{topic}")] HttpRequest request, string topic) =>
        DaprSubscriptionEndpoints.ReceiveAsync(request, topic);
}
