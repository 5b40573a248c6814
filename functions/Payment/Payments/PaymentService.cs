using BuildingBlocks.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Payment.Data;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Payment.Payments;

/// <summary>What the caller learns from an operation.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<PaymentOutcome>))]
public enum PaymentOutcome
{
    Authorized,
    Declined,
    Captured,
    Voided,
    Refunded,

    /// <summary>The provider never gave an answer; the caller must compensate (void), not assume.</summary>
    Unavailable,

    /// <summary>The operation does not apply to the payment's state (for example capture after a void).</summary>
    Rejected,
}

public sealed record PaymentResult(Guid OrderId, PaymentOutcome Outcome, decimal Amount, string? Detail = null);

/// <summary>
/// Authorize, capture, void and refund, each idempotent per order: every operation has one
/// idempotency key (<c>authorize:{orderId}</c> …), reused by every retry, so the provider processes
/// it once however often it is sent. Each call the provider answers is written to the ledger.
/// </summary>
public sealed class PaymentService(
    PaymentContext db,
    SimulatedPaymentProvider provider,
    IOptions<PaymentProviderOptions> options,
    TimeProvider clock)
{
    public async Task<OrderPayment?> GetAsync(Guid orderId, CancellationToken cancellationToken) =>
        await db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.OrderId == orderId, cancellationToken);

    public async Task<IReadOnlyList<PaymentOperation>> LedgerAsync(Guid orderId, CancellationToken cancellationToken) =>
        await db.Ledger.AsNoTracking().Where(o => o.OrderId == orderId).OrderBy(o => o.Id).ToListAsync(cancellationToken);

    public async Task<PaymentResult> AuthorizeAsync(Guid orderId, decimal amount, string paymentToken, CancellationToken cancellationToken)
    {
        if (await GetAsync(orderId, cancellationToken) is { } existing)
        {
            return ResultOf(existing);
        }

        var answer = await SendAsync(PaymentOperationKind.Authorize, orderId, paymentToken, amount, cancellationToken);
        if (answer is null)
        {
            return new PaymentResult(orderId, PaymentOutcome.Unavailable, amount, "The provider did not answer.");
        }

        var now = clock.GetUtcNow();
        db.Payments.Add(new OrderPayment
        {
            OrderId = orderId,
            Amount = amount,
            Status = answer.Approved ? PaymentStatus.Authorized : PaymentStatus.Declined,
            AuthorizationId = answer.Approved ? answer.Reference : null,
            DeclineReason = answer.DeclineReason,
            CreatedAt = now,
            UpdatedAt = now,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            db.ChangeTracker.Clear(); // a concurrent authorize of the same order recorded the same answer
        }

        return ResultOf((await GetAsync(orderId, cancellationToken))!);
    }

    public Task<PaymentResult> CaptureAsync(Guid orderId, CancellationToken cancellationToken) =>
        TransitionAsync(orderId, PaymentOperationKind.Capture, from: PaymentStatus.Authorized, to: PaymentStatus.Captured, cancellationToken);

    public Task<PaymentResult> RefundAsync(Guid orderId, CancellationToken cancellationToken) =>
        TransitionAsync(orderId, PaymentOperationKind.Refund, from: PaymentStatus.Captured, to: PaymentStatus.Refunded, cancellationToken);

    /// <summary>
    /// Cancels an authorization. Also sent when the authorization's outcome is unknown (the provider
    /// never answered): the provider may hold one, and a void of nothing is harmless.
    /// </summary>
    public async Task<PaymentResult> VoidAsync(Guid orderId, CancellationToken cancellationToken)
    {
        if (await GetAsync(orderId, cancellationToken) is not null)
        {
            return await TransitionAsync(orderId, PaymentOperationKind.Void, from: PaymentStatus.Authorized, to: PaymentStatus.Voided, cancellationToken);
        }

        var answer = await SendAsync(PaymentOperationKind.Void, orderId, "", 0m, cancellationToken);
        return answer is null
            ? new PaymentResult(orderId, PaymentOutcome.Unavailable, 0m, "The provider did not answer.")
            : new PaymentResult(orderId, PaymentOutcome.Voided, 0m, "No authorization was recorded; the provider was told to void any.");
    }

    private async Task<PaymentResult> TransitionAsync(Guid orderId, PaymentOperationKind kind, PaymentStatus from, PaymentStatus to, CancellationToken cancellationToken)
    {
        var payment = await db.Payments.SingleOrDefaultAsync(p => p.OrderId == orderId, cancellationToken);
        if (payment is null)
        {
            return new PaymentResult(orderId, PaymentOutcome.Rejected, 0m, "No payment was authorized for this order.");
        }

        if (payment.Status == to)
        {
            return ResultOf(payment); // already done: the retry of a step that succeeded
        }

        if (payment.Status != from)
        {
            return new PaymentResult(orderId, PaymentOutcome.Rejected, payment.Amount, $"The payment is {payment.Status}.");
        }

        var answer = await SendAsync(kind, orderId, "", payment.Amount, cancellationToken);
        if (answer is null)
        {
            return new PaymentResult(orderId, PaymentOutcome.Unavailable, payment.Amount, "The provider did not answer.");
        }

        // Only one transition wins if two race: the row moves from `from` to `to` once.
        await db.Payments.Where(p => p.OrderId == orderId && p.Status == from).ExecuteUpdateAsync(set => set
            .SetProperty(p => p.Status, to)
            .SetProperty(p => p.UpdatedAt, clock.GetUtcNow()), cancellationToken);
        return ResultOf((await GetAsync(orderId, cancellationToken))!);
    }

    /// <summary>One operation with retries (same key), a timeout per attempt, and a ledger line per answer.</summary>
    /// <returns>The answer, or null when the provider never gave one.</returns>
    private async Task<ProviderAnswer?> SendAsync(PaymentOperationKind kind, Guid orderId, string paymentToken, decimal amount, CancellationToken cancellationToken)
    {
        var key = $"{kind.ToString().ToLowerInvariant()}:{orderId}";
        ProviderAnswer answer;
        try
        {
            answer = await Pipeline(options.Value).ExecuteAsync(
                token => new ValueTask<ProviderAnswer>(provider.SendAsync(kind, key, paymentToken, amount, token)), cancellationToken);
        }
        catch (Exception ex) when (ex is ProviderUnavailableException or TimeoutRejectedException)
        {
            await WriteLedgerAsync(orderId, kind, key, amount, $"unavailable: {ex.Message}", null, cancellationToken);
            return null;
        }

        await WriteLedgerAsync(orderId, kind, key, amount, answer.Approved ? "approved" : $"declined: {answer.DeclineReason}", answer.Reference, cancellationToken);
        return answer;
    }

    private async Task WriteLedgerAsync(Guid orderId, PaymentOperationKind kind, string key, decimal amount, string outcome, string? reference, CancellationToken cancellationToken)
    {
        db.Ledger.Add(new PaymentOperation
        {
            OrderId = orderId,
            Kind = kind,
            IdempotencyKey = key,
            Amount = amount,
            Outcome = outcome[..Math.Min(outcome.Length, 200)],
            ProviderReference = reference,
            At = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    private static ResiliencePipeline<ProviderAnswer> Pipeline(PaymentProviderOptions settings) =>
        new ResiliencePipelineBuilder<ProviderAnswer>()
            .AddRetry(new RetryStrategyOptions<ProviderAnswer>
            {
                ShouldHandle = new PredicateBuilder<ProviderAnswer>().Handle<ProviderUnavailableException>().Handle<TimeoutRejectedException>(),
                MaxRetryAttempts = Math.Max(0, settings.MaxAttempts - 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(50),
                MaxDelay = TimeSpan.FromSeconds(2),
            })
            .AddTimeout(settings.AttemptTimeout)
            .Build();

    private static PaymentResult ResultOf(OrderPayment payment) => new(payment.OrderId, payment.Status switch
    {
        PaymentStatus.Authorized => PaymentOutcome.Authorized,
        PaymentStatus.Declined => PaymentOutcome.Declined,
        PaymentStatus.Captured => PaymentOutcome.Captured,
        PaymentStatus.Voided => PaymentOutcome.Voided,
        _ => PaymentOutcome.Refunded,
    }, payment.Amount, payment.DeclineReason);
}
