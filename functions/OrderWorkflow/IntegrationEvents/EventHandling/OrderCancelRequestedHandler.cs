using BuildingBlocks.EventBus;
using OrderWorkflow.IntegrationEvents.Events;
using OrderWorkflow.Saga;
using Ordering.Contracts;

namespace OrderWorkflow.IntegrationEvents.EventHandling;

/// <summary>The shopper cancelled: compensate whatever the saga has done.</summary>
public sealed class OrderCancelRequestedHandler(SagaRunner runner) : IIntegrationEventHandler<OrderCancelRequested>
{
    public Task HandleAsync(OrderCancelRequested @event, CancellationToken cancellationToken) =>
        runner.RequestCancelAsync(@event.OrderId, CancelReason.CancelledByUser, cancellationToken);
}
