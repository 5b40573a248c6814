namespace Ordering.Api.Model;

/// <summary>
/// The payment token an order was placed with. Kept here, out of every event, until the order workflow
/// has fetched it over an authenticated call; deleted once the order reaches a final status.
/// </summary>
public sealed class OrderPaymentToken
{
    public Guid OrderId { get; set; }
    public required string Token { get; set; }
}
