using System.Text.Json.Serialization;

namespace Ordering.Contracts;

/// <summary>
/// Where an order stands, as shoppers see it (docs/api.md). The checkout workflow moves an order
/// Submitted → StockReserved → Paid → Confirmed, or to Cancelled from any of them, a Confirmed order
/// included (its payment is refunded and its stock returned). Travels by name, never by number.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<OrderStatus>))]
public enum OrderStatus
{
    Submitted,
    StockReserved,
    Paid,
    Confirmed,
    Cancelled,
}

/// <summary>Why an order was cancelled (docs/api.md).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CancelReason>))]
public enum CancelReason
{
    /// <summary>A line could not be reserved; nothing was held or charged.</summary>
    OutOfStock,

    /// <summary>The card was declined, or the payment could not be taken.</summary>
    PaymentDeclined,

    /// <summary>A step kept failing past the workflow's step timeout.</summary>
    TimedOut,

    /// <summary>The shopper cancelled.</summary>
    CancelledByUser,

    /// <summary>The stock hold expired before the order completed.</summary>
    ReservationExpired,

    /// <summary>A step was refused in a way no retry can change (a contract or data error); see the workflow's log.</summary>
    Failed,
}

/// <summary>What the lifecycle allows.</summary>
public static class OrderLifecycle
{
    /// <summary>Confirmed and Cancelled end checkout; a Confirmed order can still be cancelled (refund and restock).</summary>
    public static bool IsFinal(this OrderStatus status) => status is OrderStatus.Confirmed or OrderStatus.Cancelled;

    /// <summary>Whether a shopper's cancellation can still take effect: only a cancelled order is past it.</summary>
    public static bool CanBeCancelled(this OrderStatus status) => status is not OrderStatus.Cancelled;
}
