using System.Diagnostics;
using BuildingBlocks.EventBus;
using StackExchange.Redis;

namespace BuildingBlocks.Redis;

/// <summary>Native publisher: appends the CloudEvent to the topic's stream and wakes its consumers.</summary>
internal sealed class RedisStreamsEventPublisher(IConnectionMultiplexer redis, EventBusMetrics metrics) : IEventPublisher
{
    public async Task PublishAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        using var activity = EventBusTelemetry.Source.StartActivity($"{cloudEvent.Topic} publish", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", cloudEvent.Topic);
        activity?.SetTag("messaging.message.id", cloudEvent.Id);

        var db = redis.GetDatabase();
        await db.StreamAddAsync(RedisStreams.Stream(cloudEvent.Topic), RedisStreams.EventField, cloudEvent.ToJson())
            .WaitAsync(cancellationToken);
        // Only a wake-up call: a consumer that misses it still finds the entry on its next poll.
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisStreams.NotifyChannel(cloudEvent.Topic)), "");
        metrics.Published(cloudEvent.Topic);
    }
}
