using System.Collections.Concurrent;
using System.Diagnostics;
using BuildingBlocks.EventBus;

namespace BuildingBlocks.Tests.Infrastructure;

/// <summary>A test event; each test publishes on a topic of its own so that tests sharing one Redis never see each other's entries.</summary>
public record TestEvent(string Aggregate, int Number) : IntegrationEvent;

/// <summary>What a handler saw, and how it should behave (shared by the handler instances of one host).</summary>
public sealed class HandlerProbe
{
    public ConcurrentQueue<(TestEvent Event, ActivityTraceId TraceId)> Handled { get; } = new();

    public ConcurrentDictionary<Guid, int> Attempts { get; } = new();

    /// <summary>Throws for an event while this returns true (given the attempt number, from 1).</summary>
    public Func<TestEvent, int, bool> Fail { get; set; } = (_, _) => false;

    /// <summary>Runs before handling; a test can block here to play a consumer that never finishes.</summary>
    public Func<TestEvent, CancellationToken, Task> Before { get; set; } = (_, _) => Task.CompletedTask;

    public async Task HandleAsync(TestEvent @event, CancellationToken cancellationToken)
    {
        var attempt = Attempts.AddOrUpdate(@event.Id, 1, (_, n) => n + 1);
        await Before(@event, cancellationToken);
        if (Fail(@event, attempt))
        {
            throw new InvalidOperationException($"handler failure on attempt {attempt}");
        }

        Handled.Enqueue((@event, Activity.Current?.TraceId ?? default));
    }
}

public sealed class ProbeHandler<TEvent>(HandlerProbe probe) : IIntegrationEventHandler<TEvent> where TEvent : TestEvent
{
    public Task HandleAsync(TEvent @event, CancellationToken cancellationToken) => probe.HandleAsync(@event, cancellationToken);
}

[EventTopic("test.publish")] public sealed record PublishedEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.ordering")] public sealed record OrderedEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.retry")] public sealed record RetriedEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.poison")] public sealed record PoisonEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.reclaim")] public sealed record ReclaimedEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.trace")] public sealed record TracedEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.trim")] public sealed record TrimmedEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.outbox")] public sealed record OutboxEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.outbox-crash")] public sealed record CrashEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.outbox-replicas")] public sealed record ReplicaEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.outbox-outage")] public sealed record OutageEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.outbox-prune")] public sealed record PrunedEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.metrics")] public sealed record MeteredEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.retry-schedule")] public sealed record ScheduledRetryEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.retry-exhausted")] public sealed record ExhaustedRetryEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.deadletter-replay")] public sealed record ReplayedEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.deadletter-giveup")] public sealed record GivenUpEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.outbox-notify")] public sealed record NotifiedEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.outbox-listener-killed")] public sealed record ListenerKilledEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.outbox-retried")] public sealed record RelayRetriedEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.outbox-leased")] public sealed record LeasedEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
[EventTopic("test.idle")] public sealed record IdleEvent(string Aggregate, int Number) : TestEvent(Aggregate, Number);
