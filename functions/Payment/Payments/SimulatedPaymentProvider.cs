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
}

/// <summary>The provider's answer to one request.</summary>
public sealed record ProviderAnswer(bool Approved, string Reference, string? DeclineReason);

/// <summary>The provider did not answer usefully this time; the same request may be retried with the same key.</summary>
public sealed class ProviderUnavailableException(string message) : Exception(message);

/// <summary>
/// A card-network-like provider for development and tests. Tokens: <c>tok_ok</c> approves,
/// <c>tok_declined</c> declines, <c>tok_timeout</c> takes the authorization and never answers,
/// <c>tok_flaky</c> fails half the time, sometimes after it has already charged (the answer is lost).
/// Like a real provider it is idempotent per key: a repeated request gets the first answer and is
/// never charged twice. It keeps its own records in its own scope, apart from the service's data.
/// </summary>
public sealed class SimulatedPaymentProvider(IServiceScopeFactory scopes, IOptions<PaymentProviderOptions> options, TimeProvider clock)
{
    public const string Approve = "tok_ok";
    public const string Decline = "tok_declined";
    public const string NeverAnswers = "tok_timeout";
    public const string Flaky = "tok_flaky";

    public async Task<ProviderAnswer> SendAsync(
        PaymentOperationKind kind, string idempotencyKey, string paymentToken, decimal amount, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await Task.Delay(settings.Latency, clock, cancellationToken);

        var flaky = paymentToken == Flaky && Random.Shared.NextDouble() < 0.5 || Random.Shared.NextDouble() < settings.FailureRate;
        if (flaky && Random.Shared.NextDouble() < 0.5)
        {
            throw new ProviderUnavailableException("The provider is unavailable (simulated, before processing).");
        }

        var answer = await RecordAsync(kind, idempotencyKey, paymentToken, amount, settings, cancellationToken);

        if (flaky)
        {
            throw new ProviderUnavailableException("The provider's answer was lost (simulated, after processing).");
        }

        if (kind == PaymentOperationKind.Authorize && paymentToken == NeverAnswers)
        {
            // The authorization exists on the provider's side, but its answer never comes back.
            await Task.Delay(Timeout.InfiniteTimeSpan, clock, cancellationToken);
        }

        return answer;
    }

    private async Task<ProviderAnswer> RecordAsync(PaymentOperationKind kind, string key, string token, decimal amount,
        PaymentProviderOptions settings, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentContext>();
        if (await db.ProviderRecords.AsNoTracking().SingleOrDefaultAsync(r => r.IdempotencyKey == key, cancellationToken) is { } seen)
        {
            return AnswerOf(seen);
        }

        var approved = kind != PaymentOperationKind.Authorize || token != Decline && Random.Shared.NextDouble() >= settings.DeclineRate;
        var record = new ProviderRecord
        {
            IdempotencyKey = key,
            Kind = kind,
            PaymentToken = token,
            Amount = amount,
            Approved = approved,
            Reference = $"sim_{kind.ToString().ToLowerInvariant()}_{Guid.NewGuid():N}"[..32],
            At = clock.GetUtcNow(),
        };
        db.ProviderRecords.Add(record);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return AnswerOf(record);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            // The same request raced us: its answer is the answer.
            db.ChangeTracker.Clear();
            return AnswerOf(await db.ProviderRecords.AsNoTracking().SingleAsync(r => r.IdempotencyKey == key, cancellationToken));
        }
    }

    private static ProviderAnswer AnswerOf(ProviderRecord record) =>
        new(record.Approved, record.Reference, record.Approved ? null : "Card declined");
}
