using Basket.Api.IntegrationEvents.Events;
using Basket.Api.Model;
using BuildingBlocks.EventBus;

namespace Basket.Api.IntegrationEvents.EventHandling;

/// <summary>An order was placed from the basket: empty it. Deleting twice is harmless, so redelivery is too.</summary>
public sealed class OrderSubmittedHandler(BasketStore baskets, ILogger<OrderSubmittedHandler> logger) : IIntegrationEventHandler<OrderSubmitted>
{
    public async Task HandleAsync(OrderSubmitted @event, CancellationToken cancellationToken)
    {
        await baskets.ClearAsync(@event.UserId, cancellationToken);
        logger.LogInformation("Cleared the basket of {UserId} after order {OrderId}", @event.UserId, @event.OrderId);
    }
}
