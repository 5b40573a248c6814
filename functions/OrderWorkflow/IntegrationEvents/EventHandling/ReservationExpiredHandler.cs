using BuildingBlocks.EventBus;
using OrderWorkflow.IntegrationEvents.Events;
using OrderWorkflow.Saga;
using Ordering.Contracts;

namespace OrderWorkflow.IntegrationEvents.EventHandling;

/// <summary>Inventory released an abandoned order's stock: the order cannot complete any more.</summary>
public sealed class ReservationExpiredHandler(SagaRunner runner) : IIntegrationEventHandler<ReservationExpired>
{
    public Task HandleAsync(ReservationExpired @event, CancellationToken cancellationToken) =>
        runner.RequestCancelAsync(@event.OrderId, CancelReason.ReservationExpired, cancellationToken);
}
