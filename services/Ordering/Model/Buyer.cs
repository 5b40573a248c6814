namespace Ordering.Api.Model;

/// <summary>A shopper as Ordering knows them, from Identity's UserRegistered: whom an order is for.</summary>
public sealed class Buyer
{
    public required string UserId { get; set; }
    public required string Email { get; set; }
    public required string Name { get; set; }
}
