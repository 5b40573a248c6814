using Microsoft.Extensions.DependencyInjection;

namespace BuildingBlocks.EventBus;

/// <summary>One handler type subscribed to one event type's topic.</summary>
public sealed class Subscription
{
    private Subscription(string topic, Type eventType, Type handlerType,
        Func<IServiceProvider, IntegrationEvent, CancellationToken, Task> invoke)
    {
        Topic = topic;
        EventType = eventType;
        HandlerType = handlerType;
        Invoke = invoke;
    }

    public string Topic { get; }
    public Type EventType { get; }
    public Type HandlerType { get; }

    /// <summary>Resolves the handler from the given (scoped) provider and calls it.</summary>
    internal Func<IServiceProvider, IntegrationEvent, CancellationToken, Task> Invoke { get; }

    internal static Subscription Create<TEvent, THandler>()
        where TEvent : IntegrationEvent
        where THandler : class, IIntegrationEventHandler<TEvent> =>
        new(IntegrationEvent.TopicOf(typeof(TEvent)), typeof(TEvent), typeof(THandler),
            (services, @event, token) => services.GetRequiredService<THandler>().HandleAsync((TEvent)@event, token));
}

/// <summary>The topics this service consumes and who handles each (one handler per topic and service).</summary>
public sealed class EventSubscriptions
{
    private readonly Dictionary<string, Subscription> _byTopic = new(StringComparer.Ordinal);

    public IReadOnlyCollection<Subscription> All => _byTopic.Values;

    public Subscription? Find(string topic) => _byTopic.GetValueOrDefault(topic);

    internal void Add(Subscription subscription)
    {
        if (!_byTopic.TryAdd(subscription.Topic, subscription))
        {
            throw new InvalidOperationException(
                $"Topic '{subscription.Topic}' already has a handler ({_byTopic[subscription.Topic].HandlerType.Name}); one handler per topic and service.");
        }
    }
}
