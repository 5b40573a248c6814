namespace Ordering.Api.Model;

/// <summary>
/// The basket version an order consumed, committed with the order: one order per version of a user's
/// basket, whatever Idempotency-Key each checkout carries. Basket versions never restart, so a basket
/// filled again is a new version.
/// </summary>
public sealed class BasketCheckout
{
    public required string UserId { get; set; }
    public long BasketVersion { get; set; }
    public Guid OrderId { get; set; }
}
