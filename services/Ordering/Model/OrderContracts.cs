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

    /// <summary>Optional: the total the shopper was shown. When the basket's total differs, nothing is ordered and the answer is 409 with the current total.</summary>
    public decimal? ExpectedTotal { get; init; }
}

/// <summary>The order a checkout placed: its id, its status, and the lines and total it was placed with.</summary>
public sealed record OrderAccepted(Guid OrderId, string Status, IReadOnlyList<OrderLineDto> Lines, decimal Total)
{
    public static OrderAccepted From(Order order) => new(order.Id, order.Status.ToString(),
        [.. order.Lines.Select(l => new OrderLineDto(l.ProductId, l.Name, l.Quantity, l.UnitPrice))], order.Total);
}

/// <summary>An order's payment token, for the order workflow (internal route).</summary>
public sealed record OrderPaymentTokenDto(Guid OrderId, string PaymentToken);

public sealed record OrderLineDto(int ProductId, string Name, int Quantity, decimal UnitPrice);

/// <summary>An order as its buyer sees it; <c>BuyerName</c> once Identity's UserRegistered has reached Ordering, null before.</summary>
public sealed record OrderDto(
    Guid OrderId, string Status, string? Reason, IReadOnlyList<OrderLineDto> Lines, decimal Total, DateTimeOffset CreatedAt, string? BuyerName = null)
{
    public static OrderDto From(Order order, string? buyerName = null) => new(order.Id, order.Status.ToString(), order.Reason,
        [.. order.Lines.Select(l => new OrderLineDto(l.ProductId, l.Name, l.Quantity, l.UnitPrice))], order.Total, order.CreatedAt, buyerName);
}

public sealed record OrderPage(int PageIndex, int PageSize, long Count, IReadOnlyList<OrderDto> Data);
