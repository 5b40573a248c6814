using System.Collections.Concurrent;
using BuildingBlocks.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Payment.Data;

namespace Payment.Payments;

/// <summary>Behaviour of the simulated provider, to drive tests and fault drills.</summary>
public sealed class PaymentProviderOptions
{
    public const string SectionName = "PaymentProvider";

    /// <summary>Share of authorizations declined regardless of the token (0..1).</summary>
    public double DeclineRate { get; set; }

    /// <summary>Share of calls that fail transiently regardless of the token (0..1).</summary>
    public double FailureRate { get; set; }

    /// <summary>Time the provider takes to answer.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long the service waits for one answer before it gives up on that attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts per operation (same idempotency key each time) before the service reports it unavailable.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>
    /// Simulation control: the provider is down (every request fails before it is processed). Read on
    /// every request, so a configuration reload turns an outage on or off at run time; see also
    /// <see cref="SimulatedPaymentProvider.Outage"/>.
    /// </summary>
    public bool Outage { get; set; }

    /// <summary>How many answers to a <c>tok_capture_answer_lost</c> capture are lost before one arrives.</summary>
    public int LostCaptureAnswers { get; set; } = 2;
}

/// <summary>The provider's answer to one request, with where the payment stands on its side afterwards.</summary>
public sealed record ProviderAnswer(bool Approved, string Reference, string? DeclineReason, ProviderPaymentState State);

/// <summary>The provider did not answer usefully this time; the same request may be retried with the same key.</summary>
public sealed class ProviderUnavailableException(string message) : Exception(message);

/// <summary>
/// A card-network-like provider for development and tests. It keeps its own truth per payment (by the
/// merchant's reference, the order id: authorized, captured, voided or refunded, and the money moved)
/// and applies each request to it one at a time, as a real provider does: a capture of a voided
/// authorization is declined, and a void of a captured one is declined with the state
/// <see cref="ProviderPaymentState.Captured"/> (the void came too late: refund instead). Like a real
/// provider it is idempotent per key: a repeated request gets the first answer and is never applied
/// twice. Its records live in their own tables, apart from the service's data.
/// <para>Tokens (given at authorization; they steer every later operation of that payment):</para>
/// <list type="bullet">
/// <item><c>tok_ok</c> approves; <c>tok_declined</c> declines the authorization.</item>
/// <item><c>tok_timeout</c> takes the authorization and never answers.</item>
/// <item><c>tok_flaky</c> fails the first attempt of every request and answers the retry (same key): every other
/// request's first attempt is processed and its answer lost, the others fail before processing. Deterministic, so a
/// test of retries never fails by chance; <see cref="PaymentProviderOptions.FailureRate"/> is the random fault.</item>
/// <item><c>tok_capture_answer_lost</c>: the capture is processed, but the first
/// <see cref="PaymentProviderOptions.LostCaptureAnswers"/> answers to it are lost; a retry with the same key gets the answer.</item>
/// <item><c>tok_capture_timeout</c>: the capture is processed and no answer to it ever arrives, so the caller gives up and
/// voids; the void arrives after the capture and is declined (a void that lost the race to a capture).</item>
/// <item><c>tok_down_after_capture</c>: the provider processes the capture, then goes down before it answers
/// (<see cref="Outage"/> turns on) and stays down until the outage is turned off again.</item>
/// </list>
/// <para>
/// The outage switch (simulation control, not an API): <see cref="PaymentProviderOptions.Outage"/> in
/// configuration (reloadable), or <see cref="Outage"/> on the singleton for a process that drills or tests.
/// </para>
/// </summary>
public sealed class SimulatedPaymentProvider(IServiceScopeFactory scopes, IOptionsMonitor<PaymentProviderOptions> options, TimeProvider clock)
{
    public const string Approve = "tok_ok";
    public const string Decline = "tok_declined";
    public const string NeverAnswers = "tok_timeout";
    public const string Flaky = "tok_flaky";
    public const string CaptureAnswerLost = "tok_capture_answer_lost";
    public const string CaptureNeverAnswers = "tok_capture_timeout";
    public const string DownAfterCapture = "tok_down_after_capture";

    private readonly ConcurrentDictionary<string, int> _captureAnswers = new();
    private readonly ConcurrentDictionary<string, bool> _flakyFirstAttempts = new();
    private long _flakyRequests;
    private volatile bool _outage;

    /// <summary>Simulation control: the provider is down while this (or <see cref="PaymentProviderOptions.Outage"/>) is set.</summary>
    public bool Outage
    {
        get => _outage || options.CurrentValue.Outage;
        set => _outage = value;
    }

    /// <summary>
    /// One request. <paramref name="merchantReference"/> is the merchant's id of the payment (the order
    /// id): how the provider finds it for capture, void and refund.
    /// </summary>
    public async Task<ProviderAnswer> SendAsync(PaymentOperationKind kind, Guid merchantReference, string idempotencyKey, string paymentToken,
        decimal amount, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        await Task.Delay(settings.Latency, clock, cancellationToken);
        if (Outage)
        {
            throw new ProviderUnavailableException("The provider is down (simulated outage).");
        }

        var (flaky, beforeProcessing) = paymentToken == Flaky
            ? FlakyAttempt(idempotencyKey)
            : (Random.Shared.NextDouble() < settings.FailureRate, Random.Shared.NextDouble() < 0.5);
        if (flaky && beforeProcessing)
        {
            throw new ProviderUnavailableException("The provider is unavailable (simulated, before processing).");
        }

        var (answer, token) = await ProcessAsync(kind, merchantReference, idempotencyKey, paymentToken, amount, settings, cancellationToken);

        if (flaky)
        {
            throw new ProviderUnavailableException("The provider's answer was lost (simulated, after processing).");
        }

        if (kind == PaymentOperationKind.Authorize && paymentToken == NeverAnswers)
        {
            // The authorization exists on the provider's side, but its answer never comes back.
            await Task.Delay(Timeout.InfiniteTimeSpan, clock, cancellationToken);
        }

        if (kind == PaymentOperationKind.Capture)
        {
            switch (token)
            {
                case CaptureAnswerLost when _captureAnswers.AddOrUpdate(idempotencyKey, 1, (_, sent) => sent + 1) <= settings.LostCaptureAnswers:
                    throw new ProviderUnavailableException("The capture was processed but its answer was lost (simulated).");
                case CaptureNeverAnswers:
                    throw new ProviderUnavailableException("The capture was processed but no answer ever arrives (simulated).");
                case DownAfterCapture:
                    _outage = true;
                    throw new ProviderUnavailableException("The provider went down after processing the capture (simulated outage).");
            }
        }

        return answer;
    }

    /// <summary>
    /// A <c>tok_flaky</c> request fails its first attempt and succeeds on the next; the key is forgotten then, so
    /// the bookkeeping stays as small as the number of requests in flight.
    /// </summary>
    private (bool Fails, bool BeforeProcessing) FlakyAttempt(string idempotencyKey)
    {
        if (_flakyFirstAttempts.TryRemove(idempotencyKey, out _))
        {
            return (false, false);
        }

        var beforeProcessing = Interlocked.Increment(ref _flakyRequests) % 2 == 0;
        _flakyFirstAttempts[idempotencyKey] = beforeProcessing;
        return (true, beforeProcessing);
    }

    /// <summary>The provider's own record of a payment (tests and drills read net captured money from it).</summary>
    public async Task<ProviderPayment?> PaymentAsync(Guid merchantReference, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentContext>();
        return await db.ProviderPayments.AsNoTracking().SingleOrDefaultAsync(p => p.MerchantReference == merchantReference, cancellationToken);
    }

    /// <returns>The answer, and the token the payment was authorized with (it steers the simulated faults).</returns>
    private async Task<(ProviderAnswer Answer, string Token)> ProcessAsync(PaymentOperationKind kind, Guid reference, string key, string token,
        decimal amount, PaymentProviderOptions settings, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentContext>();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await db.InTransactionAsync(ct => ApplyAsync(db, kind, reference, key, token, amount, settings, ct), cancellationToken);
            }
            catch (DbUpdateException ex) when (ex.IsUniqueViolation() && attempt < 3)
            {
                // The same request (or the first request of the same payment) raced us: its answer is the answer.
            }
        }
    }

    private async Task<(ProviderAnswer Answer, string Token)> ApplyAsync(PaymentContext db, PaymentOperationKind kind, Guid reference, string key,
        string token, decimal amount, PaymentProviderOptions settings, CancellationToken cancellationToken)
    {
        // One payment's requests are applied one at a time: its row is locked before anything is read.
        // Columns by name: the statement is prepared, and a column added later must not change its result.
        var payment = (await db.ProviderPayments
            .FromSql($"""
                SELECT "MerchantReference", "PaymentToken", "Amount", "State", "CapturedAmount", "RefundedAmount", "UpdatedAt"
                FROM simulated_provider_payments WHERE "MerchantReference" = {reference} FOR UPDATE
                """)
            .ToListAsync(cancellationToken)).SingleOrDefault();
        if (await db.ProviderRecords.AsNoTracking().SingleOrDefaultAsync(r => r.IdempotencyKey == key, cancellationToken) is { } seen)
        {
            return (AnswerOf(seen), payment?.PaymentToken ?? seen.PaymentToken);
        }

        var now = clock.GetUtcNow();
        var isNew = payment is null;
        var (approved, declineReason) = Apply(kind, ref payment, reference, token, amount, settings, now);
        if (isNew && payment is not null)
        {
            db.ProviderPayments.Add(payment);
        }

        var record = new ProviderRecord
        {
            IdempotencyKey = key,
            Kind = kind,
            PaymentToken = payment?.PaymentToken ?? token,
            Amount = amount,
            Approved = approved,
            Reference = $"sim_{kind.ToString().ToLowerInvariant()}_{Guid.NewGuid():N}"[..32],
            State = payment?.State ?? ProviderPaymentState.None,
            DeclineReason = declineReason,
            At = now,
        };
        db.ProviderRecords.Add(record);
        await db.SaveChangesAsync(cancellationToken);
        return (AnswerOf(record), record.PaymentToken);
    }

    /// <summary>The provider's rules: what one request does to the payment, and whether it is approved.</summary>
    private static (bool Approved, string? DeclineReason) Apply(PaymentOperationKind kind, ref ProviderPayment? payment, Guid reference, string token,
        decimal amount, PaymentProviderOptions settings, DateTimeOffset now)
    {
        if (kind == PaymentOperationKind.Authorize)
        {
            if (payment is not null)
            {
                return (payment.State != ProviderPaymentState.Declined, payment.State == ProviderPaymentState.Declined ? "Card declined" : null);
            }

            var approved = token != Decline && Random.Shared.NextDouble() >= settings.DeclineRate;
            payment = new ProviderPayment
            {
                MerchantReference = reference,
                PaymentToken = token,
                Amount = amount,
                State = approved ? ProviderPaymentState.Authorized : ProviderPaymentState.Declined,
                UpdatedAt = now,
            };
            return (approved, approved ? null : "Card declined");
        }

        var state = payment?.State ?? ProviderPaymentState.None;
        var (next, result) = (kind, state) switch
        {
            (PaymentOperationKind.Capture, ProviderPaymentState.Authorized) => (ProviderPaymentState.Captured, (true, (string?)null)),
            (PaymentOperationKind.Capture, ProviderPaymentState.Captured) => (state, (true, null)),
            (PaymentOperationKind.Capture, _) => (state, (false, $"Nothing to capture: the payment is {state}")),
            (PaymentOperationKind.Void, ProviderPaymentState.Authorized) => (ProviderPaymentState.Voided, (true, null)),
            (PaymentOperationKind.Void, ProviderPaymentState.Captured or ProviderPaymentState.Refunded) =>
                (state, (false, $"Too late to void: the payment is {state}")),
            (PaymentOperationKind.Void, _) => (state, (true, null)), // nothing held: nothing to void
            (PaymentOperationKind.Refund, ProviderPaymentState.Captured) => (ProviderPaymentState.Refunded, (true, null)),
            (PaymentOperationKind.Refund, ProviderPaymentState.Refunded) => (state, (true, null)),
            _ => (state, (false, $"Nothing to refund: the payment is {state}")),
        };

        if (payment is not null && next != state)
        {
            payment.State = next;
            payment.UpdatedAt = now;
            if (next == ProviderPaymentState.Captured)
            {
                payment.CapturedAmount = payment.Amount;
            }
            else if (next == ProviderPaymentState.Refunded)
            {
                payment.RefundedAmount = payment.CapturedAmount;
            }
        }

        return result;
    }

    private static ProviderAnswer AnswerOf(ProviderRecord record) => new(record.Approved, record.Reference, record.DeclineReason, record.State);
}
