using BuildingBlocks.EventBus;
using OrderWorkflow.IntegrationEvents.Events;
using OrderWorkflow.Saga;

namespace OrderWorkflow.IntegrationEvents.EventHandling;

/// <summary>An order was placed: start its saga.</summary>
public sealed class OrderSubmittedHandler(SagaRunner runner) : IIntegrationEventHandler<OrderSubmitted>
{
    public Task HandleAsync(OrderSubmitted @event, CancellationToken cancellationToken) => runner.StartAsync(@event, cancellationToken);
}
