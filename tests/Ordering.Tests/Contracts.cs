using BuildingBlocks.EventBus;

namespace Ordering.Tests;

// Ordering's answers as a client reads them (docs/api.md), and the workflow event it consumes, as the
// order workflow publishes it: a test that spells the contract out fails when either side drifts.

public sealed record OrderLineView(int ProductId, string Name, int Quantity, decimal UnitPrice);

public sealed record OrderView(Guid OrderId, string Status, string? Reason, OrderLineView[] Lines, decimal Total, DateTimeOffset CreatedAt, string? BuyerName = null);

public sealed record OrderPageView(int PageIndex, int PageSize, long Count, OrderView[] Data);

/// <summary>The order workflow's status event (functions/OrderWorkflow/IntegrationEvents/Events/OrderStatusChanged.cs); Sequence numbers a saga's status events in commit order.</summary>
[EventTopic("workflow.order-status-changed")]
public sealed record OrderStatusChanged(Guid OrderId, string Status, string? Reason, int Sequence) : IntegrationEvent;

/// <summary>Identity's event for a new account (services/Identity/IntegrationEvents/Events/UserRegistered.cs).</summary>
[EventTopic("identity.user-registered")]
public sealed record UserRegistered(string UserId, string Email, string Name, DateTimeOffset RegisteredAt) : IntegrationEvent;

/// <summary>The Sequence numbers of the status events of a saga that reserves, pays, confirms and is then cancelled (or cancelled outright, whose one event is numbered 1).</summary>
public static class SagaSequence
{
    public const int StockReserved = 1;
    public const int Paid = 2;
    public const int Confirmed = 3;
    public const int Cancelled = 4;
}

public static class Topics
{
    public const string OrderSubmitted = "ordering.order-submitted";
    public const string OrderCancelRequested = "ordering.order-cancel-requested";
}
