using BuildingBlocks.Data;
using Microsoft.EntityFrameworkCore;
using Payment.Data;
using Polly;
using Polly.Registry;
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

/// <summary>What became of one request (<see cref="Outcome"/>) and where the payment stands afterwards (<see cref="Status"/>, null when none is recorded).</summary>
public sealed record PaymentResult(Guid OrderId, PaymentOutcome Outcome, decimal Amount, string? Detail = null, PaymentStatus? Status = null);

/// <summary>
/// Authorize, capture, void and refund, each idempotent per order: every operation has one
/// idempotency key (<c>authorize:{orderId}</c> …), reused by every retry, so the provider processes
/// it once however often it is sent. Each call, answered or not, is written to the ledger. The
/// payment's recorded status follows the provider's answers (what it actually did), never what was
/// asked for: a void the provider refuses because it captured leaves the payment Captured.
/// </summary>
public sealed class PaymentService(
    PaymentContext db,
    SimulatedPaymentProvider provider,
    ResiliencePipelineProvider<string> pipelines,
    TimeProvider clock)
{
    /// <summary>Retries (same key) and a timeout per attempt around every provider call (built once, from <see cref="PaymentProviderOptions"/>).</summary>
    public const string ProviderPipeline = "payment-provider";

    public async Task<OrderPayment?> GetAsync(Guid orderId, CancellationToken cancellationToken) =>
        await db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.OrderId == orderId, cancellationToken);

    public async Task<IReadOnlyList<PaymentOperation>> LedgerAsync(Guid orderId, CancellationToken cancellationToken) =>
        await db.Ledger.AsNoTracking().Where(o => o.OrderId == orderId).OrderBy(o => o.Id).ToListAsync(cancellationToken);

    /// <summary>
    /// Authorizes the order's amount and, with <paramref name="capture"/>, captures it in the same call
    /// (one request from the saga instead of two). A capture that does not succeed here (no answer, or
    /// refused) answers as the authorization did, Authorized, and the caller captures on its own.
    /// </summary>
    public Task<PaymentResult> AuthorizeAsync(Guid orderId, decimal amount, string paymentToken, bool capture, CancellationToken cancellationToken) =>
        OnOneConnectionAsync(() => AuthorizeAndCaptureAsync(orderId, amount, paymentToken, capture, cancellationToken), cancellationToken);

    private async Task<PaymentResult> AuthorizeAndCaptureAsync(Guid orderId, decimal amount, string paymentToken, bool capture, CancellationToken cancellationToken)
    {
        var payment = await GetAsync(orderId, cancellationToken) ?? await AuthorizeNewAsync(orderId, amount, paymentToken, cancellationToken);
        if (payment is null)
        {
            return new PaymentResult(orderId, PaymentOutcome.Unavailable, amount, "The provider did not answer.");
        }

        var authorized = ResultOf(payment);
        if (!capture || payment.Status != PaymentStatus.Authorized)
        {
            return authorized;
        }

        var captured = await TransitionAsync(payment, PaymentOperationKind.Capture, from: PaymentStatus.Authorized, to: PaymentStatus.Captured, cancellationToken);
        return captured.Outcome == PaymentOutcome.Captured ? captured : authorized;
    }

    /// <returns>The payment as recorded from the provider's answer; null when the provider never answered.</returns>
    private async Task<OrderPayment?> AuthorizeNewAsync(Guid orderId, decimal amount, string paymentToken, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(PaymentOperationKind.Authorize, orderId, paymentToken, amount, cancellationToken);
        if (answer is null)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var payment = new OrderPayment
        {
            OrderId = orderId,
            Amount = amount,
            Status = answer.Approved ? PaymentStatus.Authorized : PaymentStatus.Declined,
            AuthorizationId = answer.Approved ? answer.Reference : null,
            DeclineReason = answer.DeclineReason,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Payments.Add(payment);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            db.Entry(payment).State = EntityState.Detached; // as GetAsync gives it
            return payment;
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            db.ChangeTracker.Clear(); // a concurrent authorize of the same order recorded the same answer
            return await GetAsync(orderId, cancellationToken);
        }
    }

    public Task<PaymentResult> CaptureAsync(Guid orderId, CancellationToken cancellationToken) => OnOneConnectionAsync(
        () => TransitionAsync(orderId, PaymentOperationKind.Capture, from: PaymentStatus.Authorized, to: PaymentStatus.Captured, cancellationToken), cancellationToken);

    public Task<PaymentResult> RefundAsync(Guid orderId, CancellationToken cancellationToken) => OnOneConnectionAsync(
        () => TransitionAsync(orderId, PaymentOperationKind.Refund, from: PaymentStatus.Captured, to: PaymentStatus.Refunded, cancellationToken), cancellationToken);

    /// <summary>
    /// Cancels an authorization. Also sent when the authorization's outcome is unknown (the provider
    /// never answered): the provider may hold one, and a void of nothing is harmless. A void the
    /// provider refuses because it has already captured answers <see cref="PaymentOutcome.Rejected"/>
    /// with the status <see cref="PaymentStatus.Captured"/>: the caller must refund.
    /// </summary>
    public Task<PaymentResult> VoidAsync(Guid orderId, CancellationToken cancellationToken) =>
        OnOneConnectionAsync(() => VoidRecordedOrUnknownAsync(orderId, cancellationToken), cancellationToken);

    private async Task<PaymentResult> VoidRecordedOrUnknownAsync(Guid orderId, CancellationToken cancellationToken)
    {
        if (await GetAsync(orderId, cancellationToken) is not null)
        {
            return await TransitionAsync(orderId, PaymentOperationKind.Void, from: PaymentStatus.Authorized, to: PaymentStatus.Voided, cancellationToken);
        }

        var answer = await SendAsync(PaymentOperationKind.Void, orderId, "", 0m, cancellationToken);
        return answer switch
        {
            null => new PaymentResult(orderId, PaymentOutcome.Unavailable, 0m, "The provider did not answer."),
            { Approved: true } => new PaymentResult(orderId, PaymentOutcome.Voided, 0m, "No authorization was recorded; the provider was told to void any."),
            // Nothing recorded here, yet the provider holds money: never say Voided.
            _ => new PaymentResult(orderId, PaymentOutcome.Rejected, 0m, answer.DeclineReason, StatusOf(answer.State)),
        };
    }

    /// <summary>
    /// Runs one operation on one connection, let go only while the provider is waited for. EF Core otherwise
    /// opens a connection for each statement, and each return to the pool costs a reset on the next use
    /// (seven small statements, as prepared statements are kept): an authorize-and-capture took a connection
    /// from the pool about eight times.
    /// </summary>
    private async Task<T> OnOneConnectionAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return await operation();
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Sends one operation and records what the provider says the payment now is; the answer is the
    /// payment's recorded state afterwards, so two operations that race (a capture and a void) both
    /// answer with what actually happened.
    /// </summary>
    private async Task<PaymentResult> TransitionAsync(Guid orderId, PaymentOperationKind kind, PaymentStatus from, PaymentStatus to, CancellationToken cancellationToken) =>
        await GetAsync(orderId, cancellationToken) is { } payment
            ? await TransitionAsync(payment, kind, from, to, cancellationToken)
            : new PaymentResult(orderId, PaymentOutcome.Rejected, 0m, "No payment was authorized for this order.");

    // The payment as last read (detached); the answer comes from what the provider then says.
    private async Task<PaymentResult> TransitionAsync(OrderPayment payment, PaymentOperationKind kind, PaymentStatus from, PaymentStatus to, CancellationToken cancellationToken)
    {
        var orderId = payment.OrderId;
        if (payment.Status == to)
        {
            return ResultOf(payment); // already done: the retry of a step that succeeded
        }

        if (payment.Status != from)
        {
            return new PaymentResult(orderId, PaymentOutcome.Rejected, payment.Amount, $"The payment is {payment.Status}.", payment.Status);
        }

        var answer = await SendAsync(kind, orderId, "", payment.Amount, cancellationToken);
        if (answer is null)
        {
            return new PaymentResult(orderId, PaymentOutcome.Unavailable, payment.Amount, "The provider did not answer.", payment.Status);
        }

        // The row moved as this call asked: no need to read it back (the usual case, one round trip less).
        if (await RecordProviderStateAsync(orderId, answer.State, cancellationToken) == to)
        {
            payment.Status = to; // a detached copy
            return ResultOf(payment);
        }

        payment = (await GetAsync(orderId, cancellationToken))!;
        return payment.Status == to
            ? ResultOf(payment)
            : new PaymentResult(orderId, PaymentOutcome.Rejected, payment.Amount,
                answer.DeclineReason ?? $"The payment is {payment.Status}.", payment.Status);
    }

    /// <summary>
    /// Moves the payment to the state the provider reports, forward only (Authorized → Captured →
    /// Refunded, Authorized → Voided): answers that arrive out of order never move it back, and the
    /// provider applies one payment's requests one at a time, so the row converges on its truth.
    /// </summary>
    /// <returns>The status it moved to; null when it did not move.</returns>
    private async Task<PaymentStatus?> RecordProviderStateAsync(Guid orderId, ProviderPaymentState state, CancellationToken cancellationToken)
    {
        PaymentStatus[] before = state switch
        {
            ProviderPaymentState.Captured or ProviderPaymentState.Voided => [PaymentStatus.Authorized],
            ProviderPaymentState.Refunded => [PaymentStatus.Authorized, PaymentStatus.Captured],
            _ => [],
        };
        if (before.Length == 0 || StatusOf(state) is not { } to)
        {
            return null;
        }

        var moved = await db.Payments.Where(p => p.OrderId == orderId && before.Contains(p.Status)).ExecuteUpdateAsync(set => set
            .SetProperty(p => p.Status, to)
            .SetProperty(p => p.UpdatedAt, clock.GetUtcNow()), cancellationToken);
        return moved > 0 ? to : null;
    }

    private static PaymentStatus? StatusOf(ProviderPaymentState state) => state switch
    {
        ProviderPaymentState.Authorized => PaymentStatus.Authorized,
        ProviderPaymentState.Declined => PaymentStatus.Declined,
        ProviderPaymentState.Captured => PaymentStatus.Captured,
        ProviderPaymentState.Voided => PaymentStatus.Voided,
        ProviderPaymentState.Refunded => PaymentStatus.Refunded,
        _ => null,
    };

    /// <summary>One operation with retries (same key), a timeout per attempt, and a ledger line per answer.</summary>
    /// <returns>The answer, or null when the provider never gave one.</returns>
    private async Task<ProviderAnswer?> SendAsync(PaymentOperationKind kind, Guid orderId, string paymentToken, decimal amount, CancellationToken cancellationToken)
    {
        var key = $"{kind.ToString().ToLowerInvariant()}:{orderId}";
        ProviderAnswer answer;
        // No connection is held while the provider is waited for (seconds, with retries, when it is slow):
        // the pool serves other operations meanwhile.
        await db.Database.CloseConnectionAsync();
        try
        {
            answer = await pipelines.GetPipeline<ProviderAnswer>(ProviderPipeline).ExecuteAsync(
                token => new ValueTask<ProviderAnswer>(provider.SendAsync(kind, orderId, key, paymentToken, amount, token)), cancellationToken);
        }
        catch (Exception ex) when (ex is ProviderUnavailableException or TimeoutRejectedException)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            await WriteLedgerAsync(orderId, kind, key, amount, $"unavailable: {ex.Message}", null, cancellationToken);
            return null;
        }

        await db.Database.OpenConnectionAsync(cancellationToken);

        await WriteLedgerAsync(orderId, kind, key, amount,
            (answer.Approved ? "approved" : $"declined: {answer.DeclineReason}") + $" (provider: {answer.State})", answer.Reference, cancellationToken);
        return answer;
    }

    // One statement, not a tracked entity: written on every provider answer, and never read back here.
    private async Task WriteLedgerAsync(Guid orderId, PaymentOperationKind kind, string key, decimal amount, string outcome, string? reference, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO payment_ledger ("OrderId", "Kind", "IdempotencyKey", "Amount", "Outcome", "ProviderReference", "At")
            VALUES ({orderId}, {kind.ToString()}, {key}, {amount}, {outcome[..Math.Min(outcome.Length, 200)]}, {reference}, {clock.GetUtcNow()})
            """, cancellationToken);

    /// <summary>The provider pipeline's strategies, registered under <see cref="ProviderPipeline"/>.</summary>
    public static void BuildProviderPipeline(ResiliencePipelineBuilder<ProviderAnswer> pipeline, PaymentProviderOptions settings) =>
        pipeline
            .AddRetry(new RetryStrategyOptions<ProviderAnswer>
            {
                ShouldHandle = new PredicateBuilder<ProviderAnswer>().Handle<ProviderUnavailableException>().Handle<TimeoutRejectedException>(),
                MaxRetryAttempts = Math.Max(0, settings.MaxAttempts - 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(50),
                MaxDelay = TimeSpan.FromSeconds(2),
            })
            .AddTimeout(settings.AttemptTimeout);

    private static PaymentResult ResultOf(OrderPayment payment) => new(payment.OrderId, payment.Status switch
    {
        PaymentStatus.Authorized => PaymentOutcome.Authorized,
        PaymentStatus.Declined => PaymentOutcome.Declined,
        PaymentStatus.Captured => PaymentOutcome.Captured,
        PaymentStatus.Voided => PaymentOutcome.Voided,
        _ => PaymentOutcome.Refunded,
    }, payment.Amount, payment.DeclineReason, payment.Status);
}
