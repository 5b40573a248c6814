using Basket.Api.IntegrationEvents.Events;
using Basket.Api.Model;
using BuildingBlocks.EventBus;

namespace Basket.Api.IntegrationEvents.EventHandling;

/// <summary>
/// An order was placed from the basket: empty it, but only if it is still the version the order consumed;
/// a basket the shopper changed after checkout read it is the shopper's next basket and stays. Emptying
/// twice is harmless (the second finds another version or nothing), so redelivery is too.
/// </summary>
public sealed class OrderSubmittedHandler(BasketStore baskets, ILogger<OrderSubmittedHandler> logger) : IIntegrationEventHandler<OrderSubmitted>
{
    public async Task HandleAsync(OrderSubmitted @event, CancellationToken cancellationToken)
    {
        // Debug: a line for every order is routine, not news (the bus's delivery metric counts them).
        if (await baskets.ClearAsync(@event.UserId, @event.BasketVersion, cancellationToken))
        {
            logger.LogDebug("Cleared the basket of {UserId} after order {OrderId}", @event.UserId, @event.OrderId);
        }
        else
        {
            logger.LogDebug("Kept the basket of {UserId} after order {OrderId}: already empty, or changed since version {BasketVersion}",
                @event.UserId, @event.OrderId, @event.BasketVersion);
        }
    }
}
