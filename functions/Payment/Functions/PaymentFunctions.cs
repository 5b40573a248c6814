using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Payment.Payments;

namespace Payment.Functions;

/// <summary>Payment's HTTP triggers, called by the order workflow: thin, they parse and call <see cref="PaymentService"/>.</summary>
public sealed class PaymentFunctions(PaymentService payments)
{
    public sealed record AuthorizeRequest(Guid OrderId, decimal Amount, string? PaymentToken);

    [Function("AuthorizePayment")]
    public async Task<IActionResult> Authorize(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments/authorize")] HttpRequest request)
    {
        AuthorizeRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<AuthorizeRequest>(request.Body, JsonSerializerOptions.Web, request.HttpContext.RequestAborted);
        }
        catch (JsonException ex)
        {
            return Invalid(ex.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "body", "The value is missing or not valid for its type.");
        }

        if (body is null || body.OrderId == Guid.Empty)
        {
            return Invalid("orderId", "orderId is required.");
        }

        if (body.Amount <= 0)
        {
            return Invalid("amount", "amount must be positive.");
        }

        if (string.IsNullOrWhiteSpace(body.PaymentToken))
        {
            return Invalid("paymentToken", "paymentToken is required.");
        }

        return Answer(await payments.AuthorizeAsync(body.OrderId, body.Amount, body.PaymentToken, request.HttpContext.RequestAborted));
    }

    [Function("CapturePayment")]
    public async Task<IActionResult> Capture(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments/{orderId:guid}/capture")] HttpRequest request, Guid orderId) =>
        Answer(await payments.CaptureAsync(orderId, request.HttpContext.RequestAborted));

    [Function("VoidPayment")]
    public async Task<IActionResult> Void(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments/{orderId:guid}/void")] HttpRequest request, Guid orderId) =>
        Answer(await payments.VoidAsync(orderId, request.HttpContext.RequestAborted));

    [Function("RefundPayment")]
    public async Task<IActionResult> Refund(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments/{orderId:guid}/refund")] HttpRequest request, Guid orderId) =>
        Answer(await payments.RefundAsync(orderId, request.HttpContext.RequestAborted));

    [Function("GetPayment")]
    public async Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "payments/{orderId:guid}")] HttpRequest request, Guid orderId)
    {
        var payment = await payments.GetAsync(orderId, request.HttpContext.RequestAborted);
        return payment is null
            ? new NotFoundResult()
            : new OkObjectResult(new { payment, ledger = await payments.LedgerAsync(orderId, request.HttpContext.RequestAborted) });
    }

    /// <summary>200 with the result whatever the business outcome; 503 only when the provider never answered, so callers retry.</summary>
    private static IActionResult Answer(PaymentResult result) => result.Outcome switch
    {
        PaymentOutcome.Unavailable => new ObjectResult(result) { StatusCode = StatusCodes.Status503ServiceUnavailable },
        PaymentOutcome.Rejected => new ConflictObjectResult(result),
        _ => new OkObjectResult(result),
    };

    private static IActionResult Invalid(string field, string message) =>
        new BadRequestObjectResult(new ValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
        });
}
