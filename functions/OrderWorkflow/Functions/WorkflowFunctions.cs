using BuildingBlocks.Dapr;
using BuildingBlocks.EventBus;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
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

/// <summary>An order was placed: start its saga.</summary>
public sealed class OrderSubmittedHandler(SagaRunner runner) : IIntegrationEventHandler<OrderSubmitted>
{
    public Task HandleAsync(OrderSubmitted @event, CancellationToken cancellationToken) => runner.StartAsync(@event, cancellationToken);
}

/// <summary>The shopper cancelled: compensate whatever the saga has done.</summary>
public sealed class OrderCancelRequestedHandler(SagaRunner runner) : IIntegrationEventHandler<OrderCancelRequested>
{
    public Task HandleAsync(OrderCancelRequested @event, CancellationToken cancellationToken) =>
        runner.RequestCancelAsync(@event.OrderId, CancelReason.CancelledByUser, cancellationToken);
}

/// <summary>Inventory released an abandoned order's stock: the order cannot complete any more.</summary>
public sealed class ReservationExpiredHandler(SagaRunner runner) : IIntegrationEventHandler<ReservationExpired>
{
    public Task HandleAsync(ReservationExpired @event, CancellationToken cancellationToken) =>
        runner.RequestCancelAsync(@event.OrderId, CancelReason.ReservationExpired, cancellationToken);
}

/// <summary>
/// Events delivered over HTTP, as Dapr pub/sub calls an app under the Functions host (a declarative
/// subscription routes each topic here). Locally the native bus delivers them instead.
/// </summary>
public sealed class ReceiveEventFunction
{
    [EndpointSummary("Deliver a CloudEvent of a topic (Dapr pub/sub)")]
    [ProducesResponseType(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status500InternalServerError)]
    [Function("ReceiveEvent")]
    public async Task<IActionResult> Run(
        // Anonymous: the caller is the Dapr sidecar on the pod's loopback; the gateway never routes here.
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "events/{topic}")] HttpRequest request, string topic) =>
        // The same reading, topic check, dispatch and metrics as the Dapr endpoints of an ASP.NET Core service.
        await DaprSubscriptionEndpoints.DeliverAsync(request, topic) switch
        {
            DaprDeliveryStatus.Success => new OkObjectResult(new { status = "SUCCESS" }),
            DaprDeliveryStatus.Drop => new OkObjectResult(new { status = "DROP" }), // Dapr dead-letters it
            _ => new ObjectResult(new { status = "RETRY" }) { StatusCode = StatusCodes.Status500InternalServerError },
        };
}
