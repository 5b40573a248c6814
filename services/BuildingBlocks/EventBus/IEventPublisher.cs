namespace BuildingBlocks.EventBus;

/// <summary>
/// Puts CloudEvents on the bus. The seam between the platform and its broker: Dapr pub/sub
/// (Kafka in Kubernetes) or Redis Streams (local). Application code does not call it directly:
/// it adds events to its outbox, whose relay publishes them.
/// </summary>
public interface IEventPublisher
{
    Task PublishAsync(CloudEvent cloudEvent, CancellationToken cancellationToken);
}
