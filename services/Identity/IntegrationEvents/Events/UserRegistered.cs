using BuildingBlocks.EventBus;

namespace Identity.Api.IntegrationEvents.Events;

/// <summary>A new account exists. Published through the outbox, in the same transaction as the user.</summary>
[EventTopic("identity.user-registered")]
public sealed record UserRegistered(string UserId, string Email, string Name, DateTimeOffset RegisteredAt) : IntegrationEvent;
