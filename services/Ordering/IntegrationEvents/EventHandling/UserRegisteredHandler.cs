using BuildingBlocks.EventBus;
using Microsoft.EntityFrameworkCore;
using Ordering.Api.Data;
using Ordering.Api.IntegrationEvents.Events;

namespace Ordering.Api.IntegrationEvents.EventHandling;

/// <summary>Records the buyer, so that an order shows whom it is for. Writing the same values again is harmless.</summary>
public sealed class UserRegisteredHandler(OrderingContext db) : IIntegrationEventHandler<UserRegistered>
{
    public async Task HandleAsync(UserRegistered @event, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO buyers (user_id, email, name) VALUES ({@event.UserId}, {@event.Email}, {@event.Name})
            ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name
            """, cancellationToken);
}
