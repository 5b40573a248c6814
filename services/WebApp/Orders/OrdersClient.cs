using System.Net;
using System.Text.Json;
using WebApp.PublicApi;

namespace WebApp.Orders;

/// <summary>The orders part of the public API (<c>/api/orders</c>), with the signed-in shopper's token.</summary>
public sealed class OrdersClient(HttpClient http)
{
    /// <summary>Places an order from the basket. The key makes a repeated submission (a double click, a retry) the same order.</summary>
    /// <returns>The order; or, when this basket was already ordered, that first order.</returns>
    /// <exception cref="ApiProblemException">400 naming the field, 409 the total changed (<c>currentTotal</c> in the message), or no answer.</exception>
    public async Task<Guid> PlaceAsync(string idempotencyKey, ShippingAddress address, string paymentToken, decimal expectedTotal, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/orders")
        {
            Content = JsonContent.Create(new { shippingAddress = address, paymentToken, expectedTotal }),
        };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await PublicApiCalls.SendAsync(() => http.SendAsync(request, cancellationToken), cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return FirstOrderOf(body) ?? throw ApiProblemException.From(response.StatusCode, body, response.ReasonPhrase);
        }

        return (await PublicApiCalls.ReadAsync<Order>(response, cancellationToken)).OrderId;
    }

    /// <summary>The shopper's order, or null when there is none with this id (or it is someone else's).</summary>
    public async Task<Order?> GetAsync(Guid orderId, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.GetAsync($"api/orders/{orderId}", cancellationToken), cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await PublicApiCalls.ReadAsync<Order>(response, cancellationToken);
    }

    public async Task<OrdersPage> ListAsync(int pageIndex, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.GetAsync($"api/orders?pageIndex={pageIndex}&pageSize=20", cancellationToken), cancellationToken);
        return await PublicApiCalls.ReadAsync<OrdersPage>(response, cancellationToken);
    }

    /// <exception cref="ApiProblemException">404 not the shopper's, 409 already cancelled, or no answer.</exception>
    public async Task CancelAsync(Guid orderId, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.PostAsync($"api/orders/{orderId}/cancel", null, cancellationToken), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ApiProblemException.FromAsync(response, cancellationToken);
        }
    }

    /// <summary>The 409 of a basket already checked out names its order; the other 409 (the total changed) does not.</summary>
    private static Guid? FirstOrderOf(string problem)
    {
        try
        {
            using var json = JsonDocument.Parse(problem);
            return json.RootElement.TryGetProperty("orderId", out var orderId) && orderId.TryGetGuid(out var id) ? id : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
