using BuildingBlocks.EventBus;

namespace Ordering.Api.IntegrationEvents.Events;

/// <summary>Identity's new account (its contract, as Ordering reads it).</summary>
[EventTopic("identity.user-registered")]
public sealed record UserRegistered(string UserId, string Email, string Name) : IntegrationEvent;
