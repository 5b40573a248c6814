using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Hosting;

namespace OrderWorkflow.Saga;

/// <summary>A step's call could not be completed this time (network, timeout, 5xx): retry it later.</summary>
public sealed class TransientStepException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Inventory's HTTP API as the saga uses it (service discovery name "inventory").</summary>
public sealed class InventoryClient(HttpClient http)
{
    public sealed record Reservation(Guid OrderId, IReadOnlyList<Line> Lines);
    public sealed record Line(int ProductId, int Quantity);
    private sealed record ReserveAnswer(string Result, int? UnavailableProductId);
    private sealed record StateAnswer(Guid OrderId, string Status, int ChangedLines);

    /// <returns>"Reserved", "OutOfStock", "Closed" (released or returned) or "Committed" (this order's commit came first).</returns>
    public async Task<string> ReserveAsync(Guid orderId, IEnumerable<SagaLine> lines, CancellationToken cancellationToken)
    {
        var response = await StepCalls.Send(() => http.PostAsJsonAsync("/api/inventory/reservations",
            new Reservation(orderId, [.. lines.Select(l => new Line(l.ProductId, l.Quantity))]), cancellationToken));
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Conflict))
        {
            throw StepCalls.Unexpected(response);
        }

        return (await response.Content.ReadFromJsonAsync<ReserveAnswer>(cancellationToken))!.Result;
    }

    /// <returns>Where the reservation stands afterwards: Committed, Released, Returned, Reserved or None.</returns>
    public Task<string> CommitAsync(Guid orderId, CancellationToken cancellationToken) => ChangeAsync(orderId, "commit", cancellationToken);

    public Task<string> ReleaseAsync(Guid orderId, CancellationToken cancellationToken) => ChangeAsync(orderId, "release", cancellationToken);

    public Task<string> ReturnAsync(Guid orderId, CancellationToken cancellationToken) => ChangeAsync(orderId, "return", cancellationToken);

    private async Task<string> ChangeAsync(Guid orderId, string change, CancellationToken cancellationToken)
    {
        var response = await StepCalls.Send(() => http.PostAsync($"/api/inventory/reservations/{orderId}/{change}", null, cancellationToken));
        return response.IsSuccessStatusCode
            ? (await response.Content.ReadFromJsonAsync<StateAnswer>(cancellationToken))!.Status
            : throw StepCalls.Unexpected(response);
    }
}

/// <summary>
/// Payment's answer: what became of the request (Authorized, Declined, Captured, Voided, Refunded,
/// Rejected) and where the payment stands afterwards, as Payment recorded it from the provider's
/// answers (null when no payment is recorded).
/// </summary>
public sealed record PaymentAnswer(string Outcome, string? Status);

/// <summary>Payment's HTTP API as the saga uses it (service discovery name "payment"). "Unavailable" (503) is thrown as transient.</summary>
public sealed class PaymentClient(HttpClient http)
{
    private sealed record Answer(Guid OrderId, string Outcome, decimal Amount, string? Detail, string? Status);

    /// <summary>Authorizes the amount and captures it in the same call.</summary>
    /// <returns>Captured; Authorized when the capture did not succeed (capture on its own); Declined, Voided, Refunded, Rejected.</returns>
    public async Task<string> AuthorizeAndCaptureAsync(Guid orderId, decimal amount, string paymentToken, CancellationToken cancellationToken) =>
        (await ReadAsync(await StepCalls.Send(() =>
            http.PostAsJsonAsync("/api/payments/authorize", new { orderId, amount, paymentToken, capture = true }, cancellationToken)), cancellationToken)).Outcome;

    /// <returns>Captured, or Rejected (the payment is not capturable: declined, voided or refunded).</returns>
    public async Task<string> CaptureAsync(Guid orderId, CancellationToken cancellationToken) =>
        (await PostAsync(orderId, "capture", cancellationToken)).Outcome;

    /// <returns>Voided; or Rejected with the status that says why (Captured: the void came too late, refund).</returns>
    public Task<PaymentAnswer> VoidAsync(Guid orderId, CancellationToken cancellationToken) => PostAsync(orderId, "void", cancellationToken);

    /// <returns>Refunded; or Rejected with the payment's status (Voided, Declined: nothing was captured).</returns>
    public Task<PaymentAnswer> RefundAsync(Guid orderId, CancellationToken cancellationToken) => PostAsync(orderId, "refund", cancellationToken);

    private async Task<PaymentAnswer> PostAsync(Guid orderId, string operation, CancellationToken cancellationToken) =>
        await ReadAsync(await StepCalls.Send(() => http.PostAsync($"/api/payments/{orderId}/{operation}", null, cancellationToken)), cancellationToken);

    private static async Task<PaymentAnswer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Conflict))
        {
            throw StepCalls.Unexpected(response);
        }

        var answer = (await response.Content.ReadFromJsonAsync<Answer>(cancellationToken))!;
        return new PaymentAnswer(answer.Outcome, answer.Status);
    }
}

/// <summary>What both step clients do with a call: transport failures, a service token Identity could not give, and 5xx/429 are transient; the rest is the answer.</summary>
internal static class StepCalls
{
    internal static async Task<HttpResponseMessage> Send(Func<Task<HttpResponseMessage>> call)
    {
        HttpResponseMessage response;
        try
        {
            response = await call();
        }
        // The services' one classifier of "did not answer": transport errors, timeouts, a refusing pipeline, and a
        // service token Identity could not give.
        catch (Exception ex) when (DependencyUnavailableException.Recognises(ex))
        {
            throw new TransientStepException(ex.Message, ex);
        }

        return (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests
            ? throw new TransientStepException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}")
            : response;
    }

    internal static Exception Unexpected(HttpResponseMessage response) =>
        new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode} unexpectedly.");
}
