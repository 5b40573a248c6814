namespace Inventory.Stock;

/// <summary>Stock of one product: units on hand, and how many of them are reserved for open orders.</summary>
public sealed class StockItem
{
    public int ProductId { get; set; }
    public int OnHand { get; set; }
    public int Reserved { get; set; }

    /// <summary>
    /// Raised by every change of the row. A <c>StockChanged</c> carries the version it announces, so the
    /// catalog keeps the newest figure whatever order the events reach its replicas in.
    /// </summary>
    public long Version { get; set; }
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ReservationStatus>))]
public enum ReservationStatus
{
    Reserved,
    Committed,
    Released,

    /// <summary>Committed, then the order was cancelled before shipping: the units went back on hand.</summary>
    Returned,
}

/// <summary>Units of one product held for one order until the order is confirmed or cancelled, or the hold expires.</summary>
public sealed class Reservation
{
    public Guid OrderId { get; set; }
    public int ProductId { get; set; }
    public int Quantity { get; set; }
    public ReservationStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>One product and quantity an order asks for.</summary>
public sealed record ReservationLine(int ProductId, int Quantity);
