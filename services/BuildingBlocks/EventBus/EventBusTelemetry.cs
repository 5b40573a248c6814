using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace BuildingBlocks.EventBus;

/// <summary>The activity source and meter of the event backbone (registered by ServiceDefaults).</summary>
public static class EventBusTelemetry
{
    public const string Name = "Ecommerce.EventBus";

    public static readonly ActivitySource Source = new(Name);
}

/// <summary>
/// Counters and gauges of the backbone: published, delivered, retried and dead-lettered messages per
/// topic; outbox backlog and age of its oldest unsent event; consumer lag per stream and group.
/// </summary>
public sealed class EventBusMetrics
{
    private readonly Counter<long> _published;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _deadLettered;
    private readonly Histogram<double> _deliveryDelay;
    private long _outboxBacklog;
    private double _outboxOldestAgeSeconds;
    private readonly Dictionary<(string Topic, string Group), long> _lag = [];

    public EventBusMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(EventBusTelemetry.Name);
        _published = meter.CreateCounter<long>("eventbus.messages.published", description: "Events put on the bus.");
        _delivered = meter.CreateCounter<long>("eventbus.messages.delivered", description: "Events a handler completed.");
        _retried = meter.CreateCounter<long>("eventbus.messages.retried", description: "Handler attempts that failed and were retried.");
        _deadLettered = meter.CreateCounter<long>("eventbus.messages.dead_lettered", description: "Events moved to a dead-letter stream.");
        _deliveryDelay = meter.CreateHistogram<double>("eventbus.delivery.delay", unit: "s",
            description: "Time from an event's creation to its handler's completion.");
        meter.CreateObservableGauge("eventbus.outbox.backlog", () => Interlocked.Read(ref _outboxBacklog),
            description: "Outbox events not yet published.");
        meter.CreateObservableGauge("eventbus.outbox.oldest_age", () => Volatile.Read(ref _outboxOldestAgeSeconds), unit: "s",
            description: "Age of the oldest unpublished outbox event.");
        meter.CreateObservableGauge("eventbus.consumer.lag", ObserveLag,
            description: "Entries in a stream not yet delivered to a consumer group.");
    }

    public void Published(string topic) => _published.Add(1, new KeyValuePair<string, object?>("topic", topic));

    public void Delivered(string topic) => _delivered.Add(1, new KeyValuePair<string, object?>("topic", topic));

    public void Retried(string topic) => _retried.Add(1, new KeyValuePair<string, object?>("topic", topic));

    public void DeadLettered(string topic) => _deadLettered.Add(1, new KeyValuePair<string, object?>("topic", topic));

    public void DeliveryDelay(string topic, TimeSpan delay) =>
        _deliveryDelay.Record(delay.TotalSeconds, new KeyValuePair<string, object?>("topic", topic));

    public void OutboxState(long backlog, TimeSpan oldestAge)
    {
        Interlocked.Exchange(ref _outboxBacklog, backlog);
        Volatile.Write(ref _outboxOldestAgeSeconds, oldestAge.TotalSeconds);
    }

    public void ConsumerLag(string topic, string group, long lag)
    {
        lock (_lag)
        {
            _lag[(topic, group)] = lag;
        }
    }

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        lock (_lag)
        {
            return [.. _lag.Select(entry => new Measurement<long>(entry.Value,
                new KeyValuePair<string, object?>("topic", entry.Key.Topic),
                new KeyValuePair<string, object?>("group", entry.Key.Group)))];
        }
    }
}
