using Ordering.Contracts;

namespace OrderWorkflow.Saga;

/// <summary>
/// Where an order's checkout stands inside the workflow. Each forward step has one transition (see
/// <see cref="SagaRunner"/>); every step before Confirmed can still be compensated, and a cancelled
/// Confirmed order is compensated too (refund, stock returned).
/// </summary>
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

public static class SagaSteps
{
    /// <summary>The order status a step shows to the shopper, or null for the workflow's internal steps.</summary>
    public static OrderStatus? ShownAs(this SagaStep step) => step switch
    {
        SagaStep.StockReserved => OrderStatus.StockReserved,
        SagaStep.Paid => OrderStatus.Paid,
        SagaStep.Confirmed => OrderStatus.Confirmed,
        SagaStep.Cancelled => OrderStatus.Cancelled,
        _ => null, // Submitted is Ordering's own; PaymentAuthorized and Compensating are internal
    };

    public static bool IsFinished(this SagaStep step) => step is SagaStep.Confirmed or SagaStep.Cancelled;

    /// <summary>
    /// Whether reaching the step is saved before the saga goes on (it is always saved when the saga
    /// finishes or waits for a retry). Every step call is idempotent per order, so a runner that dies
    /// between saves repeats the calls since the last save (a reserve repeated after the commit answers
    /// Committed, and the saga goes on from Paid). Compensating is saved at once, so that a
    /// cancellation once acted on is never forgotten.
    /// </summary>
    public static bool IsSavedOnTheWay(this SagaStep step) => step is SagaStep.Compensating;

    /// <summary>The status a save at this step announces: the last one the saga has passed that the shopper is shown.</summary>
    public static OrderStatus? AnnouncedAs(this SagaStep step) => step == SagaStep.PaymentAuthorized ? OrderStatus.StockReserved : step.ShownAs();
}

public sealed record SagaLine(int ProductId, int Quantity, decimal UnitPrice);

/// <summary>
/// The persisted state of one order's checkout saga. Saved where the saga waits, compensates or ends
/// (<see cref="SagaSteps.IsSavedOnTheWay"/>), so a process that dies anywhere leaves a row another
/// process resumes from: each step is idempotent on the other side (Inventory and Payment deduplicate
/// by order id), so repeating the calls made since the last save is safe.
/// </summary>
public sealed class OrderSaga
{
    public Guid OrderId { get; set; }
    public required string UserId { get; set; }
    public decimal Total { get; set; }
    public List<SagaLine> Lines { get; set; } = [];
    public SagaStep Step { get; set; }
    public CancelReason? Reason { get; set; }

    /// <summary>
    /// Set when cancellation was asked for while the saga runs; acted on right before the next call that
    /// moves money (authorize, capture), or at the next save, whichever comes first. A concurrency token: a runner that saved
    /// over a cancellation it had not seen would lose it.
    /// </summary>
    public CancelReason? PendingCancel { get; set; }

    /// <summary>Failed attempts of the current step, for the retry backoff.</summary>
    public int Attempts { get; set; }

    /// <summary>
    /// How long the current step has been failing while a runner was trying it: the gaps between
    /// attempts count only up to the longest retry delay, so time the workflow itself was down does
    /// not time a step out.
    /// </summary>
    public TimeSpan FailingFor { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>
    /// Who is running the saga and until when; a lease that ran out means its runner died or stalled.
    /// A concurrency token: every save is fenced by it, so a runner whose lease was taken over can
    /// never write again.
    /// </summary>
    public string? LeaseOwner { get; set; }

    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>How many status events the saga has announced; each carries the next number, so Ordering applies them in order.</summary>
    public int StatusSequence { get; set; }

    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A cancellation that arrived before its order's OrderSubmitted; the saga starts with it pending.</summary>
public sealed class EarlyCancellation
{
    public Guid OrderId { get; set; }
    public CancelReason Reason { get; set; }
    public DateTimeOffset At { get; set; }
}
