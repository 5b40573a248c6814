using Ordering.Contracts;

namespace Ordering.Api.Model;

public sealed class Address
{
    public required string Street { get; set; }
    public required string City { get; set; }
    public required string PostalCode { get; set; }
    public required string Country { get; set; }
}

public sealed class OrderLine
{
    public int ProductId { get; set; }
    public required string Name { get; set; }
    public int Quantity { get; set; }
    public decimal UnitPrice { get; set; }
}

/// <summary>A shopper's order. Its status is the checkout saga's, as reported by OrderStatusChanged events.</summary>
public sealed class Order
{
    public Guid Id { get; set; }
    public required string UserId { get; set; }
    public OrderStatus Status { get; set; } = OrderStatus.Submitted;
    public string? Reason { get; set; }
    /// <summary>The sequence number of the last status event applied: statuses are applied in the workflow's order, whatever order events arrive in.</summary>
    public int StatusSequence { get; set; }
    public decimal Total { get; set; }
    public required Address ShippingAddress { get; set; }
    public List<OrderLine> Lines { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// The order a user's Idempotency-Key produced: the same key again gets the same order. The fingerprint
/// (SHA-256 of the request body in canonical form) tells a retry from a different request reusing the key;
/// null for records made before fingerprints were kept.
/// </summary>
public sealed class IdempotencyRecord
{
    public required string UserId { get; set; }
    public required string Key { get; set; }
    public Guid OrderId { get; set; }
    public string? Fingerprint { get; set; }
}
