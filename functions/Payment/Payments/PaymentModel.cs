namespace Payment.Payments;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<PaymentStatus>))]
public enum PaymentStatus
{
    Authorized,
    Declined,
    Captured,
    Voided,
    Refunded,
}

/// <summary>The payment of one order: what the provider authorized, and what became of it.</summary>
public sealed class OrderPayment
{
    public Guid OrderId { get; set; }
    public decimal Amount { get; set; }
    public PaymentStatus Status { get; set; }
    public string? AuthorizationId { get; set; }
    public string? DeclineReason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<PaymentOperationKind>))]
public enum PaymentOperationKind
{
    Authorize,
    Capture,
    Void,
    Refund,
}

/// <summary>A ledger line: one operation sent to the provider, with its idempotency key and what came back.</summary>
public sealed class PaymentOperation
{
    public long Id { get; set; }
    public Guid OrderId { get; set; }
    public PaymentOperationKind Kind { get; set; }
    public required string IdempotencyKey { get; set; }
    public decimal Amount { get; set; }
    public required string Outcome { get; set; }
    public string? ProviderReference { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>Where a payment stands on the provider's side (its truth, not the service's record of it).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ProviderPaymentState>))]
public enum ProviderPaymentState
{
    /// <summary>The provider holds nothing for this payment.</summary>
    None,
    Authorized,
    Declined,
    Captured,
    Voided,
    Refunded,
}

/// <summary>
/// What the simulated provider has on its side, by idempotency key: like a card network's, it
/// answers a repeated request with the first answer instead of charging again. Kept in the payment
/// database only because the simulation has to live somewhere; the service never reads it.
/// </summary>
public sealed class ProviderRecord
{
    public required string IdempotencyKey { get; set; }
    public PaymentOperationKind Kind { get; set; }
    public required string PaymentToken { get; set; }
    public decimal Amount { get; set; }
    public bool Approved { get; set; }
    public required string Reference { get; set; }
    /// <summary>The payment's state on the provider right after this request was processed.</summary>
    public ProviderPaymentState State { get; set; }
    public string? DeclineReason { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>
/// The simulated provider's own truth about one payment (by the merchant's reference, the order id):
/// what is authorized, captured, voided or refunded, and how much money moved. Tests read net
/// captured money from here; the service never reads it.
/// </summary>
public sealed class ProviderPayment
{
    public Guid MerchantReference { get; set; }
    public required string PaymentToken { get; set; }
    public decimal Amount { get; set; }
    public ProviderPaymentState State { get; set; }
    public decimal CapturedAmount { get; set; }
    public decimal RefundedAmount { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Money taken from the card and not given back.</summary>
    public decimal NetCaptured => CapturedAmount - RefundedAmount;
}

/// <summary>
/// An order's final status as the order workflow announced it (<c>workflow.order-status-changed</c>):
/// what the reconciler holds the payment against.
/// </summary>
public sealed class OrderFinalStatus
{
    public const string Confirmed = "Confirmed";
    public const string Cancelled = "Cancelled";

    public Guid OrderId { get; set; }

    /// <summary><see cref="Confirmed"/> or <see cref="Cancelled"/>.</summary>
    public required string Status { get; set; }
    public string? Reason { get; set; }

    /// <summary>The event's sequence: a later status (a confirmed order cancelled) replaces an earlier one, never the reverse.</summary>
    public int Sequence { get; set; }
    public DateTimeOffset RecordedAt { get; set; }

    /// <summary>When a mismatch the reconciler can only report (a confirmed order not captured) was reported, so it is reported once.</summary>
    public DateTimeOffset? ReportedAt { get; set; }
}
