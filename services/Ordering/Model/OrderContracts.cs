using System.ComponentModel.DataAnnotations;

namespace Ordering.Api.Model;

public sealed record AddressRequest
{
    [Required, StringLength(200, MinimumLength = 1)] public string? Street { get; init; }
    [Required, StringLength(100, MinimumLength = 1)] public string? City { get; init; }
    [Required, StringLength(20, MinimumLength = 1)] public string? PostalCode { get; init; }
    [Required, StringLength(2, MinimumLength = 2)] public string? Country { get; init; }
}

/// <summary>Checkout of the caller's basket.</summary>
public sealed record CreateOrderRequest
{
    [Required] public AddressRequest? ShippingAddress { get; init; }

    /// <summary>The payment method token from the payment provider (test tokens: tok_ok, tok_declined, tok_timeout, tok_flaky).</summary>
    [Required, StringLength(200, MinimumLength = 1)] public string? PaymentToken { get; init; }
}

public sealed record OrderAccepted(Guid OrderId, string Status);

public sealed record OrderLineDto(int ProductId, string Name, int Quantity, decimal UnitPrice);

/// <summary>An order as its buyer sees it; <c>BuyerName</c> once Identity's UserRegistered has reached Ordering, null before.</summary>
public sealed record OrderDto(
    Guid OrderId, string Status, string? Reason, IReadOnlyList<OrderLineDto> Lines, decimal Total, DateTimeOffset CreatedAt, string? BuyerName = null)
{
    public static OrderDto From(Order order, string? buyerName = null) => new(order.Id, order.Status.ToString(), order.Reason,
        [.. order.Lines.Select(l => new OrderLineDto(l.ProductId, l.Name, l.Quantity, l.UnitPrice))], order.Total, order.CreatedAt, buyerName);
}

public sealed record OrderPage(int PageIndex, int PageSize, long Count, IReadOnlyList<OrderDto> Data);
