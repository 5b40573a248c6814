using BuildingBlocks.EventBus;

namespace Ordering.Api.IntegrationEvents.Events;

/// <summary>The saga's progress (the workflow's contract, as Ordering reads it); <c>Sequence</c> only grows.</summary>
[EventTopic("workflow.order-status-changed")]
public sealed record OrderStatusChanged(Guid OrderId, string Status, string? Reason, int Sequence) : IntegrationEvent;
