using System.Reflection;

namespace BuildingBlocks.EventBus;

/// <summary>
/// Something that happened in one bounded context that others may react to. Its <see cref="Id"/> is
/// the CloudEvent id: consumers use it to recognise a redelivery (see the inbox).
/// </summary>
public abstract record IntegrationEvent
{
    public Guid Id { get; init; } = Guid.CreateVersion7();

    public DateTimeOffset OccurredAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The topic an event type is published on: its <see cref="EventTopicAttribute"/>, else its type name.</summary>
    public static string TopicOf(Type eventType) =>
        eventType.GetCustomAttribute<EventTopicAttribute>()?.Topic ?? eventType.Name;
}

/// <summary>Names the topic an integration event type is published on (for example "catalog.price-changed").</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EventTopicAttribute(string topic) : Attribute
{
    public string Topic { get; } = topic;
}

/// <summary>Reacts to one type of integration event. Must be idempotent: delivery is at least once.</summary>
public interface IIntegrationEventHandler<in TEvent> where TEvent : IntegrationEvent
{
    Task HandleAsync(TEvent @event, CancellationToken cancellationToken);
}
