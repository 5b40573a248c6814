using FunctionsHost;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Hosting;
using Payment.Payments;

namespace Payment.Functions;

/// <summary>
/// Payment's HTTP triggers, called by the order workflow with its service token (anything else gets
/// 401 or 403): thin, they parse and call <see cref="PaymentService"/>.
/// </summary>
public sealed class PaymentFunctions(PaymentService payments)
{
    /// <summary>An authorization; with <c>capture</c>, the amount is captured too in the same call (if the capture does not succeed, the answer is the authorization's).</summary>
    public sealed record AuthorizeRequest(Guid OrderId, decimal Amount, string? PaymentToken, bool Capture = false);

    [EndpointSummary("Authorize the amount of an order with its payment token, and capture it if asked")]
    [FunctionBody(typeof(AuthorizeRequest))]
    [ProducesResponseType(typeof(PaymentResult), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(PaymentResult), StatusCodes.Status409Conflict, "application/json")]
    [ProducesResponseType(typeof(PaymentResult), StatusCodes.Status503ServiceUnavailable, "application/json")]
    [Authorize(Policy = ServiceCallers.OrderWorkflow)]
    [Function("AuthorizePayment")]
    public async Task<IActionResult> Authorize(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments/authorize")] HttpRequest request)
    {
        var (body, problem) = await FunctionRequests.ReadAsync<AuthorizeRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (body is null || body.OrderId == Guid.Empty)
        {
            return FunctionRequests.Invalid("orderId", "orderId is required.");
        }

        if (body.Amount <= 0)
        {
            return FunctionRequests.Invalid("amount", "amount must be positive.");
        }

        if (string.IsNullOrWhiteSpace(body.PaymentToken) || body.PaymentToken.Length > 200)
        {
            // 200 as at checkout (Ordering's CreateOrderRequest), so a token never arrives longer than that.
            return FunctionRequests.Invalid("paymentToken", "paymentToken is required, at most 200 characters.");
        }

        return Answer(await payments.AuthorizeAsync(body.OrderId, body.Amount, body.PaymentToken, body.Capture, request.HttpContext.RequestAborted));
    }

    [EndpointSummary("Capture an authorized payment")]
    [ProducesResponseType(typeof(PaymentResult), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(PaymentResult), StatusCodes.Status409Conflict, "application/json")]
    [ProducesResponseType(typeof(PaymentResult), StatusCodes.Status503ServiceUnavailable, "application/json")]
    [Authorize(Policy = ServiceCallers.OrderWorkflow)]
    [Function("CapturePayment")]
    public async Task<IActionResult> Capture(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments/{orderId:guid}/capture")] HttpRequest request, Guid orderId) =>
        Answer(await payments.CaptureAsync(orderId, request.HttpContext.RequestAborted));

    [EndpointSummary("Void an authorization")]
    [ProducesResponseType(typeof(PaymentResult), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(PaymentResult), StatusCodes.Status409Conflict, "application/json")]
    [ProducesResponseType(typeof(PaymentResult), StatusCodes.Status503ServiceUnavailable, "application/json")]
    [Authorize(Policy = ServiceCallers.OrderWorkflow)]
    [Function("VoidPayment")]
    public async Task<IActionResult> Void(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments/{orderId:guid}/void")] HttpRequest request, Guid orderId) =>
        Answer(await payments.VoidAsync(orderId, request.HttpContext.RequestAborted));

    [EndpointSummary("Refund a captured payment")]
    [ProducesResponseType(typeof(PaymentResult), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(PaymentResult), StatusCodes.Status409Conflict, "application/json")]
    [ProducesResponseType(typeof(PaymentResult), StatusCodes.Status503ServiceUnavailable, "application/json")]
    [Authorize(Policy = ServiceCallers.OrderWorkflow)]
    [Function("RefundPayment")]
    public async Task<IActionResult> Refund(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments/{orderId:guid}/refund")] HttpRequest request, Guid orderId) =>
        Answer(await payments.RefundAsync(orderId, request.HttpContext.RequestAborted));

    [EndpointSummary("Get an order's payment and its ledger")]
    [ProducesResponseType(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status404NotFound)]
    [Authorize(Policy = ServiceCallers.AdminOrService)]
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
}
