using System.Diagnostics;
using System.Text;
using BuildingBlocks.EventBus;
using Dapr.Client;

namespace BuildingBlocks.Dapr;

/// <summary>
/// Publishes through Dapr pub/sub (Kafka in Kubernetes). The CloudEvent goes out in structured mode
/// (<c>application/cloudevents+json</c>), so Dapr keeps our envelope (id, traceparent, partition key)
/// instead of wrapping it in one of its own.
/// </summary>
internal sealed class DaprEventPublisher(DaprClient dapr, EventBusMetrics metrics) : IEventPublisher
{
    public async Task PublishAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        var topic = cloudEvent.Topic;
        using var activity = EventBusTelemetry.Source.StartActivity($"{topic} publish", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "dapr");
        activity?.SetTag("messaging.operation.type", "publish");
        activity?.SetTag("messaging.destination.name", topic);
        activity?.SetTag("messaging.message.id", cloudEvent.Id);

        // Kafka keys messages by partitionKey: one aggregate's events stay in one partition, in order.
        var metadata = new Dictionary<string, string>();
        if (!string.IsNullOrEmpty(cloudEvent.PartitionKey))
        {
            metadata["partitionKey"] = cloudEvent.PartitionKey;
        }

        try
        {
            await dapr.PublishByteEventAsync(DaprComponents.PubSub, topic, Encoding.UTF8.GetBytes(cloudEvent.ToJson()),
                CloudEvent.CloudEventsContentType, metadata, cancellationToken);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }

        metrics.Published(topic);
    }
}
