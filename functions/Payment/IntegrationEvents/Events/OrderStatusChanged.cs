using BuildingBlocks.EventBus;
using Ordering.Contracts;

namespace Payment.IntegrationEvents.Events;

/// <summary>Payment's copy of the workflow's status event: it keeps the final ones (Confirmed, Cancelled) to reconcile against.</summary>
[EventTopic("workflow.order-status-changed")]
public sealed record OrderStatusChanged(Guid OrderId, OrderStatus Status, CancelReason? Reason, int Sequence) : IntegrationEvent;
