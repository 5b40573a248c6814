namespace WebApp.Orders;

public sealed record OrderLine(int ProductId, string Name, int Quantity, decimal UnitPrice);

/// <summary>An order as the public API shows it; <see cref="Status"/> and <see cref="Reason"/> are the API's words.</summary>
public sealed record Order(Guid OrderId, string Status, string? Reason, IReadOnlyList<OrderLine> Lines, decimal Total, DateTimeOffset CreatedAt)
{
    public bool IsFinal => Status is OrderStatuses.Confirmed or OrderStatuses.Cancelled;

    /// <summary>The API accepts a cancellation in any status but Cancelled (a confirmed order is refunded).</summary>
    public bool CanCancel => Status != OrderStatuses.Cancelled;
}

public sealed record OrdersPage(int PageIndex, int PageSize, long Count, IReadOnlyList<Order> Data)
{
    public int PageCount => PageSize == 0 ? 0 : (int)((Count + PageSize - 1) / PageSize);
}

/// <summary>A shipping address, as the API takes it.</summary>
public sealed record ShippingAddress(string Street, string City, string PostalCode, string Country);

/// <summary>The statuses and reasons of the checkout saga, and what a shopper reads for each.</summary>
public static class OrderStatuses
{
    public const string Confirmed = "Confirmed";
    public const string Cancelled = "Cancelled";

    /// <summary>The order of the statuses an order goes through when nothing goes wrong.</summary>
    public static readonly IReadOnlyList<string> Steps = ["Submitted", "StockReserved", "Paid", Confirmed];

    public static string Explain(string status, string? reason) => status switch
    {
        "Submitted" => "We have your order and are reserving the stock.",
        "StockReserved" => "The stock is reserved; taking the payment.",
        "Paid" => "Paid; confirming your order.",
        Confirmed => "Your order is confirmed.",
        Cancelled => reason switch
        {
            "OutOfStock" => "Cancelled: an item ran out of stock. You have not been charged.",
            "PaymentDeclined" => "Cancelled: the payment was declined. You have not been charged.",
            "TimedOut" => "Cancelled: the payment did not go through in time. You have not been charged.",
            "CancelledByUser" => "Cancelled at your request. Any payment has been refunded.",
            "ReservationExpired" => "Cancelled: the stock reservation expired before the payment. You have not been charged.",
            _ => "Cancelled: the order could not be completed. You have not been charged.",
        },
        _ => status,
    };
}
