using BuildingBlocks.EventBus;

namespace OrderWorkflow.IntegrationEvents.Events;

/// <summary>The order moved on: Ordering shows it (status names of docs/api.md).</summary>
[EventTopic("workflow.order-status-changed")]
public sealed record OrderStatusChanged(Guid OrderId, string Status, string? Reason, int Sequence) : IntegrationEvent;
