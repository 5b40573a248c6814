
namespace OrderWorkflow.Saga;

/// <summary>Where an order's checkout stands. Every step before Confirmed can still be compensated.</summary>
public enum SagaStep
{
    Submitted,
    StockReserved,
    PaymentAuthorized,
    Paid,
    Confirmed,
    Compensating,
    Cancelled,
}

/// <summary>Why an order was cancelled (docs/api.md).</summary>
public enum CancelReason
{
    OutOfStock,
    PaymentDeclined,
    TimedOut,
    CancelledByUser,
    ReservationExpired,
}

public sealed record SagaLine(int ProductId, int Quantity, decimal UnitPrice);

/// <summary>
/// The persisted state of one order's checkout saga. Saved after every step, so a process that dies
/// anywhere leaves a row another process resumes from: each step is idempotent on the other side
/// (Inventory and Payment deduplicate by order id), so repeating the step that was in flight is safe.
/// </summary>
public sealed class OrderSaga
{
    public Guid OrderId { get; set; }
    public required string UserId { get; set; }
    public required string PaymentToken { get; set; }
    public decimal Total { get; set; }
    public List<SagaLine> Lines { get; set; } = [];
    public SagaStep Step { get; set; }
    public CancelReason? Reason { get; set; }
    /// <summary>Set when cancellation was asked for while a step was running; acted on at the next step.</summary>
    public CancelReason? PendingCancel { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset StepStartedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    /// <summary>Who is running the saga and until when; a lease that ran out means its runner died.</summary>
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>PostgreSQL xmin: two runners can never both save over the same version.</summary>
    public uint Version { get; set; }

    public bool IsFinished => Step is SagaStep.Confirmed or SagaStep.Cancelled;
}
