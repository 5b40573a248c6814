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
    public DateTimeOffset At { get; set; }
}
