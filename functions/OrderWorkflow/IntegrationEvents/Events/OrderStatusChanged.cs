using BuildingBlocks.EventBus;
using Ordering.Contracts;

namespace OrderWorkflow.IntegrationEvents.Events;

/// <summary>
/// The order moved on: Ordering shows it. <c>Sequence</c> numbers a saga's status events 1, 2, 3 … in
/// the order they were committed, so Ordering applies them in that order whatever order they arrive in.
/// </summary>
[EventTopic("workflow.order-status-changed")]
public sealed record OrderStatusChanged(Guid OrderId, OrderStatus Status, CancelReason? Reason, int Sequence) : IntegrationEvent;
