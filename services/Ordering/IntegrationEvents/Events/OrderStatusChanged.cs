using BuildingBlocks.EventBus;
using Ordering.Contracts;

namespace Ordering.Api.IntegrationEvents.Events;

/// <summary>The saga's progress (the workflow's contract, as Ordering reads it); a saga's <c>Sequence</c> numbers its status events in commit order.</summary>
[EventTopic("workflow.order-status-changed")]
public sealed record OrderStatusChanged(Guid OrderId, OrderStatus Status, CancelReason? Reason, int Sequence) : IntegrationEvent;
