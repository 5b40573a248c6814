using System.Net;
using System.Net.Http.Json;

namespace OrderWorkflow.Saga;

/// <summary>
/// Ordering's internal API as the saga uses it (service discovery name "ordering"): the order's payment
/// token, which never travels in an event, fetched over an authenticated call when the saga needs it.
/// </summary>
public sealed class OrderingClient(HttpClient http)
{
    private sealed record PaymentTokenAnswer(Guid OrderId, string PaymentToken);

    public async Task<string> PaymentTokenAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var response = await StepCalls.Send(() => http.GetAsync($"/internal/orders/{orderId}/payment-token", cancellationToken));
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw StepCalls.Unexpected(response); // 404: Ordering has no token for the order, which no retry changes
        }

        return (await response.Content.ReadFromJsonAsync<PaymentTokenAnswer>(cancellationToken))!.PaymentToken;
    }
}
