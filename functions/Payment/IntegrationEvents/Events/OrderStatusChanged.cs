using BuildingBlocks.EventBus;

namespace Payment.IntegrationEvents.Events;

/// <summary>Payment's copy of the workflow's status event: it keeps the final ones (Confirmed, Cancelled) to reconcile against.</summary>
[EventTopic("workflow.order-status-changed")]
public sealed record OrderStatusChanged(Guid OrderId, string Status, string? Reason, int Sequence) : IntegrationEvent;
