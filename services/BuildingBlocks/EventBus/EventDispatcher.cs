using System.Diagnostics;
using System.Text.Json;
using BuildingBlocks.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BuildingBlocks.EventBus;

/// <summary>
/// Delivers a received CloudEvent to its subscribed handler in a fresh DI scope, as a consumer span
/// whose parent is the producer's (from <c>traceparent</c>). Both bus adapters deliver through it;
/// an exception means "not handled": the adapter retries or dead-letters.
/// </summary>
public sealed class EventDispatcher(
    IServiceScopeFactory scopes,
    EventSubscriptions subscriptions,
    EventBusMetrics metrics,
    IEnumerable<DatabaseMigrationStatus> migrations,
    ILogger<EventDispatcher> logger)
{
    public async Task DispatchAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        var subscription = subscriptions.Find(cloudEvent.Topic)
            ?? throw new UnhandledTopicException(cloudEvent.Topic);

        ActivityContext.TryParse(cloudEvent.TraceParent, cloudEvent.TraceState, isRemote: true, out var parent);
        using var activity = EventBusTelemetry.Source.StartActivity($"{cloudEvent.Topic} process", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.destination.name", cloudEvent.Topic);
        activity?.SetTag("messaging.message.id", cloudEvent.Id);

        var @event = (IntegrationEvent?)cloudEvent.Data.Deserialize(subscription.EventType, CloudEvent.SerializerOptions)
            ?? throw new JsonException($"Event {cloudEvent.Id} on '{cloudEvent.Topic}' has no data.");

        // A handler run against a schema not yet migrated (the database was away at start) would fail and use
        // up its delivery attempts: the event waits instead. Completed at once once migrated, or without a database.
        await DatabaseMigrationStatus.AllAppliedAsync(migrations, cancellationToken);

        await using var scope = scopes.CreateAsyncScope();
        try
        {
            await subscription.Invoke(scope.ServiceProvider, @event, cancellationToken);
            metrics.Delivered(cloudEvent.Topic);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            logger.LogWarning(ex, "Handler {Handler} failed for event {EventId} on {Topic}",
                subscription.HandlerType.Name, cloudEvent.Id, cloudEvent.Topic);
            throw;
        }
    }
}

/// <summary>A message arrived on a topic this service has no handler for.</summary>
public sealed class UnhandledTopicException(string topic) : Exception($"No handler is subscribed to topic '{topic}'.")
{
    public string Topic { get; } = topic;
}
