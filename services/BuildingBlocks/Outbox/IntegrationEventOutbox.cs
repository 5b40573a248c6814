using BuildingBlocks.EventBus;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BuildingBlocks.Outbox;

/// <summary>
/// Adds integration events to a service's outbox. The events are saved by the same
/// <c>SaveChanges</c> (and so the same transaction) as the state change that causes them: both are
/// committed or neither is. The relay publishes them afterwards.
/// </summary>
public sealed class IntegrationEventOutbox<TContext>(TContext db, IOptions<EventBusOptions> options, TimeProvider clock)
    where TContext : DbContext
{
    /// <param name="event">The event; its id becomes the CloudEvent id.</param>
    /// <param name="partitionKey">The aggregate id: events with the same key are published in the order they were added.</param>
    public void Add(IntegrationEvent @event, string? partitionKey = null)
    {
        var cloudEvent = CloudEvent.Create(@event, options.Value.ServiceName, partitionKey);
        db.Set<OutboxMessage>().Add(new OutboxMessage
        {
            EventId = @event.Id,
            Topic = cloudEvent.Topic,
            PartitionKey = partitionKey,
            CloudEvent = cloudEvent.ToJson(),
            CreatedAt = clock.GetUtcNow(),
        });
    }
}
