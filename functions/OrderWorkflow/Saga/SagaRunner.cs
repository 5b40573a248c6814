using BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderWorkflow.Data;
using OrderWorkflow.IntegrationEvents.Events;

namespace OrderWorkflow.Saga;

public sealed class WorkflowOptions
{
    public const string SectionName = "OrderWorkflow";

    /// <summary>How long a forward step may keep failing before the order is cancelled as TimedOut and compensated.</summary>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a runner holds a saga; if it dies, another runner takes the saga over after this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Runs checkout sagas: reserve stock → authorize payment → capture → commit stock → Confirmed. A
/// decline, an out-of-stock, an expired reservation, a cancellation or a step that keeps failing past
/// <see cref="WorkflowOptions.StepTimeout"/> turns the saga to compensation: void or refund what was
/// paid, release or return what was held, then Cancelled with the reason. Compensation retries until it
/// succeeds. Each step's result is saved (with the status event, through the outbox) before the next
/// step starts; a runner claims a saga with a lease, so many replicas share the work and a dead one's
/// sagas are resumed when its lease runs out.
/// </summary>
public sealed class SagaRunner(
    WorkflowContext db,
    IntegrationEventOutbox<WorkflowContext> outbox,
    InventoryClient inventory,
    PaymentClient payment,
    IOptions<WorkflowOptions> options,
    SagaDispatcher dispatcher,
    TimeProvider clock,
    ILogger<SagaRunner> logger)
{
    // One owner per runner instance (a scope: one event, one timer tick), not per process: an event
    // handler and a timer tick in the same process must not run one saga side by side either.
    private readonly string Runner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
    private WorkflowOptions Options => options.Value;

    /// <summary>Starts the saga of a submitted order (once: a redelivered event finds it started); it runs in the background.</summary>
    public async Task StartAsync(OrderSubmitted submitted, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var inserted = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO order_sagas ("OrderId", "UserId", "PaymentToken", "Total", "Lines", "Step", "Attempts", "StepStartedAt", "NextAttemptAt", "CreatedAt", "UpdatedAt")
            VALUES ({submitted.OrderId}, {submitted.UserId}, {submitted.PaymentToken}, {submitted.Total},
                    CAST({System.Text.Json.JsonSerializer.Serialize(submitted.Lines.Select(l => new SagaLine(l.ProductId, l.Quantity, l.UnitPrice)), System.Text.Json.JsonSerializerOptions.Web)} AS jsonb),
                    {nameof(SagaStep.Submitted)}, 0, {now}, {now}, {now}, {now})
            ON CONFLICT ("OrderId") DO NOTHING
            """, cancellationToken);
        if (inserted == 1)
        {
            dispatcher.Run(submitted.OrderId);
        }
    }

    /// <summary>Asks for the order to be cancelled; the saga compensates at its next step.</summary>
    /// <returns>False when the saga is unknown or already finished as Cancelled.</returns>
    public async Task<bool> RequestCancelAsync(Guid orderId, CancelReason reason, CancellationToken cancellationToken)
    {
        var changed = await db.Sagas
            .Where(s => s.OrderId == orderId && s.Step != SagaStep.Cancelled && s.Step != SagaStep.Compensating)
            .ExecuteUpdateAsync(set => set
                .SetProperty(s => s.PendingCancel, reason)
                .SetProperty(s => s.NextAttemptAt, clock.GetUtcNow()), cancellationToken);
        if (changed > 0)
        {
            dispatcher.Run(orderId);
        }

        return changed > 0;
    }

    /// <summary>Claims due sagas (not leased by a live runner) and runs each as far as it can go now.</summary>
    /// <returns>Sagas run.</returns>
    public async Task<int> RunDueAsync(int max, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var due = await db.Sagas.AsNoTracking()
            .Where(s => s.Step != SagaStep.Cancelled && (s.Step != SagaStep.Confirmed || s.PendingCancel != null)
                        && s.NextAttemptAt <= now && (s.LeaseUntil == null || s.LeaseUntil < now))
            .OrderBy(s => s.NextAttemptAt).Select(s => s.OrderId).Take(max)
            .ToListAsync(cancellationToken);
        foreach (var orderId in due)
        {
            await RunAsync(orderId, cancellationToken);
        }

        return due.Count;
    }

    /// <summary>Runs one saga step after step until it finishes, waits for a retry, or another runner holds it.</summary>
    public async Task RunAsync(Guid orderId, CancellationToken cancellationToken)
    {
        if (!await ClaimAsync(orderId, cancellationToken))
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            db.ChangeTracker.Clear();
            var saga = await db.Sagas.SingleAsync(s => s.OrderId == orderId, cancellationToken);
            // A confirmed order still runs when its cancellation was asked for (refund, stock back).
            if (saga.Step == SagaStep.Cancelled || saga.Step == SagaStep.Confirmed && saga.PendingCancel is null || saga.LeaseOwner != Runner)
            {
                return;
            }

            if (saga.PendingCancel is { } cancel && saga.Step is not SagaStep.Compensating)
            {
                Compensate(saga, cancel);
                await SaveAsync(saga, cancellationToken);
                continue;
            }

            try
            {
                await StepAsync(saga, cancellationToken);
                saga.Attempts = 0;
                saga.LastError = null;
                saga.StepStartedAt = clock.GetUtcNow();
            }
            catch (TransientStepException ex)
            {
                Retry(saga, ex);
                saga.LeaseOwner = null;
                saga.LeaseUntil = null;
                await SaveAsync(saga, cancellationToken);
                return;
            }

            if (saga.IsFinished && saga.PendingCancel is null)
            {
                saga.LeaseOwner = null;
                saga.LeaseUntil = null;
            }

            await SaveAsync(saga, cancellationToken);
        }
    }

    private async Task StepAsync(OrderSaga saga, CancellationToken cancellationToken)
    {
        switch (saga.Step)
        {
            case SagaStep.Submitted:
                switch (await inventory.ReserveAsync(saga.OrderId, saga.Lines, cancellationToken))
                {
                    case "Reserved":
                        MoveTo(saga, SagaStep.StockReserved);
                        break;
                    case "OutOfStock":
                        Finish(saga, SagaStep.Cancelled, CancelReason.OutOfStock); // nothing is held: nothing to undo
                        break;
                    default:
                        Compensate(saga, CancelReason.ReservationExpired); // closed by the sweeper meanwhile
                        break;
                }

                break;

            case SagaStep.StockReserved:
                switch (await payment.AuthorizeAsync(saga.OrderId, saga.Total, saga.PaymentToken, cancellationToken))
                {
                    case "Authorized" or "Captured":
                        MoveTo(saga, SagaStep.PaymentAuthorized);
                        break;
                    default:
                        Compensate(saga, CancelReason.PaymentDeclined);
                        break;
                }

                break;

            case SagaStep.PaymentAuthorized:
                if (await payment.CaptureAsync(saga.OrderId, cancellationToken) == "Captured")
                {
                    MoveTo(saga, SagaStep.Paid);
                }
                else
                {
                    Compensate(saga, CancelReason.PaymentDeclined);
                }

                break;

            case SagaStep.Paid:
                // The reservation may have expired and been released between payment and commit.
                if (await inventory.CommitAsync(saga.OrderId, cancellationToken) == "Committed")
                {
                    Finish(saga, SagaStep.Confirmed, reason: null);
                }
                else
                {
                    Compensate(saga, CancelReason.ReservationExpired);
                }

                break;

            case SagaStep.Compensating:
                await CompensateAsync(saga, cancellationToken);
                Finish(saga, SagaStep.Cancelled, saga.Reason);
                break;
        }
    }

    /// <summary>Undoes whatever the saga may have done; every call is idempotent and harmless if nothing was done.</summary>
    private async Task CompensateAsync(OrderSaga saga, CancellationToken cancellationToken)
    {
        // Money first, from what Payment recorded of the provider's answers, never from what was asked:
        // void (also an authorization whose answer never came); a void that lost the race to a capture
        // answers Captured, so refund. Unavailable is thrown as transient and the whole compensation is
        // retried later (every call is idempotent); the saga is Cancelled only once nothing is held or captured.
        var money = await payment.VoidAsync(saga.OrderId, cancellationToken);
        if (money.Status == "Captured")
        {
            money = await payment.RefundAsync(saga.OrderId, cancellationToken);
        }

        if (money.Status is "Captured" or "Authorized")
        {
            throw new TransientStepException($"The payment is still {money.Status} after void and refund ({money.Outcome}).");
        }

        // Held units go back to available; committed ones (a confirmed order cancelled) back on hand.
        if (await inventory.ReleaseAsync(saga.OrderId, cancellationToken) == "Committed")
        {
            await inventory.ReturnAsync(saga.OrderId, cancellationToken);
        }
    }

    private void Retry(OrderSaga saga, TransientStepException ex)
    {
        saga.Attempts++;
        saga.LastError = ex.Message[..Math.Min(ex.Message.Length, 2000)];
        var now = clock.GetUtcNow();
        if (saga.Step is not (SagaStep.Compensating or SagaStep.Confirmed) && now - saga.StepStartedAt > Options.StepTimeout)
        {
            logger.LogWarning("Order {OrderId}: step {Step} kept failing for {Timeout}; compensating", saga.OrderId, saga.Step, Options.StepTimeout);
            Compensate(saga, CancelReason.TimedOut);
            saga.NextAttemptAt = now;
            return;
        }

        var backoff = Math.Min(Options.RetryMaxDelay.TotalMilliseconds, Options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(saga.Attempts, 16)));
        saga.NextAttemptAt = now + TimeSpan.FromMilliseconds(backoff * (0.5 + Random.Shared.NextDouble() / 2)); // with jitter
        logger.LogInformation("Order {OrderId}: step {Step} failed ({Error}); attempt {Attempt} at {Next}", saga.OrderId, saga.Step, ex.Message, saga.Attempts + 1, saga.NextAttemptAt);
    }

    private void MoveTo(OrderSaga saga, SagaStep step)
    {
        saga.Step = step;
        var status = step switch
        {
            SagaStep.StockReserved => "StockReserved",
            SagaStep.Paid => "Paid",
            _ => null, // internal steps are not order statuses
        };
        if (status is not null)
        {
            outbox.Add(new OrderStatusChanged(saga.OrderId, status, null, (int)step), saga.OrderId.ToString());
        }
    }

    private void Compensate(OrderSaga saga, CancelReason reason)
    {
        saga.Step = SagaStep.Compensating;
        saga.Reason = reason;
        saga.PendingCancel = null;
        saga.StepStartedAt = clock.GetUtcNow();
    }

    private void Finish(OrderSaga saga, SagaStep step, CancelReason? reason)
    {
        saga.Step = step;
        saga.Reason = reason;
        saga.PendingCancel = null;
        outbox.Add(new OrderStatusChanged(saga.OrderId, step.ToString(), reason?.ToString(), (int)step), saga.OrderId.ToString());
    }

    /// <summary>Takes the saga for this runner if it is free (no live lease), so only one runner runs it at a time.</summary>
    private async Task<bool> ClaimAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var until = now + Options.Lease;
        return await db.Sagas
            .Where(s => s.OrderId == orderId && s.Step != SagaStep.Cancelled && (s.Step != SagaStep.Confirmed || s.PendingCancel != null)
                        && (s.LeaseUntil == null || s.LeaseUntil < now || s.LeaseOwner == Runner))
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.LeaseOwner, Runner).SetProperty(s => s.LeaseUntil, until), cancellationToken) == 1;
    }

    private async Task SaveAsync(OrderSaga saga, CancellationToken cancellationToken)
    {
        saga.UpdatedAt = clock.GetUtcNow();
        if (saga.LeaseOwner == Runner)
        {
            saga.LeaseUntil = saga.UpdatedAt + Options.Lease; // still working: extend
        }

        // Saga state and its status events commit together; xmin stops a runner whose lease was taken over.
        await db.SaveChangesAsync(cancellationToken);
    }
}
