using System.Text.Json;
using BuildingBlocks.EventBus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TopicOptions = Dapr.TopicOptions;

namespace BuildingBlocks.Dapr;

/// <summary>What a delivery's answer to the Dapr sidecar says: done, hand it back for a retry, or dead-letter it.</summary>
public enum DaprDeliveryStatus
{
    Success,
    Retry,
    Drop,
}

/// <summary>
/// The app side of Dapr pub/sub: <c>GET /dapr/subscribe</c> tells the sidecar which topics to deliver
/// where, and one <c>POST /dapr/events/{topic}</c> per subscription receives them.
/// </summary>
public static class DaprSubscriptionEndpoints
{
    private static readonly object Success = new { status = "SUCCESS" };
    private static readonly object Retry = new { status = "RETRY" };
    private static readonly object Drop = new { status = "DROP" };

    public static IEndpointRouteBuilder MapDaprEventSubscriptions(this IEndpointRouteBuilder app)
    {
        app.MapSubscribeHandler();

        foreach (var subscription in app.ServiceProvider.GetRequiredService<EventSubscriptions>().All)
        {
            var topic = subscription.Topic;
            app.MapPost($"/dapr/events/{topic}", (HttpRequest request) => ReceiveAsync(request, topic))
                .WithTopic(new TopicOptions
                {
                    PubsubName = DaprComponents.PubSub,
                    Name = topic,
                    DeadLetterTopic = DaprComponents.DeadLetterTopic(topic),
                })
                // The sidecar with its app API token, or a service token; nobody else delivers events.
                .RequireAuthorization(ServiceCallers.EventDelivery)
                .ExcludeFromDescription();
        }

        return app;
    }

    /// <summary>
    /// Delivers one event and answers Dapr: SUCCESS or DROP with 200, RETRY with a 500 (the topic routes
    /// of services; function apps' receivers use <see cref="ReceiveInFunctionAsync"/>).
    /// </summary>
    public static async Task<IResult> ReceiveAsync(HttpRequest request, string topic) => await DeliverAsync(request, topic) switch
    {
        DaprDeliveryStatus.Success => Results.Ok(Success),
        DaprDeliveryStatus.Drop => Results.Ok(Drop),
        _ => Results.Json(Retry, statusCode: StatusCodes.Status500InternalServerError),
    };

    /// <summary>
    /// <see cref="ReceiveAsync"/> for a function app's HTTP trigger: the same answers as
    /// <see cref="IActionResult"/>, the result type the Functions host's ASP.NET Core integration executes.
    /// </summary>
    public static async Task<IActionResult> ReceiveInFunctionAsync(HttpRequest request, string topic) => await DeliverAsync(request, topic) switch
    {
        DaprDeliveryStatus.Success => new OkObjectResult(Success),
        DaprDeliveryStatus.Drop => new OkObjectResult(Drop),
        _ => new ObjectResult(Retry) { StatusCode = StatusCodes.Status500InternalServerError },
    };

    /// <summary>
    /// Reads one event Dapr delivered for <paramref name="topic"/> and dispatches it to its handler. Also
    /// used by function apps' HTTP-triggered receivers, which answer with the same statuses. The body is
    /// read as the whole CloudEvent (no UseCloudEvents unwrapping): the dispatcher needs its id and
    /// traceparent. A RETRY answer goes with a 5xx status, SUCCESS and DROP with 200.
    /// </summary>
    public static async Task<DaprDeliveryStatus> DeliverAsync(HttpRequest request, string topic)
    {
        var services = request.HttpContext.RequestServices;
        var aborted = request.HttpContext.RequestAborted;
        var metrics = services.GetRequiredService<EventBusMetrics>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DaprSubscriptionEndpoints));

        CloudEvent cloudEvent;
        try
        {
            cloudEvent = await JsonSerializer.DeserializeAsync<CloudEvent>(request.Body, CloudEvent.SerializerOptions, aborted)
                ?? throw new JsonException("A CloudEvent cannot be null.");
            if (cloudEvent.Topic != topic)
            {
                throw new JsonException($"Event type '{cloudEvent.Type}' does not belong on topic '{topic}'.");
            }
        }
        catch (JsonException ex)
        {
            // A body that cannot be read will never succeed, so retrying is pointless. DROP is the right
            // answer: daprd sends a dropped message to the subscription's dead letter topic when one is
            // set, as here, instead of discarding it (dapr/dapr#7097).
            logger.LogWarning(ex, "Dropping an unreadable message on {Topic} to its dead letter topic", topic);
            metrics.DeadLettered(topic);
            return DaprDeliveryStatus.Drop;
        }

        try
        {
            await services.GetRequiredService<EventDispatcher>().DispatchAsync(cloudEvent, aborted);
            return DaprDeliveryStatus.Success;
        }
        catch (Exception) when (!aborted.IsCancellationRequested)
        {
            // The dispatcher has logged it. RETRY (with a 5xx) hands the message back to Dapr, which
            // retries it per resiliency.yaml and then moves it to the dead letter topic.
            metrics.Retried(topic);
            return DaprDeliveryStatus.Retry;
        }
    }
}
