using System.Diagnostics.Metrics;
using BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderWorkflow.Data;
using OrderWorkflow.IntegrationEvents.Events;
using Ordering.Contracts;

namespace OrderWorkflow.Saga;

public sealed class WorkflowOptions
{
    public const string SectionName = "OrderWorkflow";

    /// <summary>How long a forward step may keep failing (while a runner is trying it) before the order is cancelled as TimedOut and compensated.</summary>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a runner holds a saga without renewing; if it dies or stalls, another runner takes the saga over after this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between tries of a compensation that was refused (not merely unreachable).</summary>
    public TimeSpan RefusedRetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Refusals of a compensation after which the saga is closed as Cancelled and left to the reconcilers.</summary>
    public int CompensationAttempts { get; set; } = 10;
}

/// <summary>
/// Runs checkout sagas as a state machine with one transition per step:
/// <list type="table">
/// <item><term>Submitted</term><description>reserve stock → StockReserved; already committed (a repeat) → Paid; OutOfStock → Cancelled (nothing held)</description></item>
/// <item><term>StockReserved</term><description>authorize and capture the payment in one call → Paid; authorized only → PaymentAuthorized; declined → Compensating</description></item>
/// <item><term>PaymentAuthorized</term><description>capture → Paid; refused → Compensating</description></item>
/// <item><term>Paid</term><description>commit the stock → Confirmed; the hold expired → Compensating</description></item>
/// <item><term>Compensating</term><description>void or refund, release or return stock → Cancelled</description></item>
/// </list>
/// A cancellation (the shopper's, or an expired hold) turns any step, Confirmed included, to
/// Compensating. A step that keeps failing transiently for <see cref="WorkflowOptions.StepTimeout"/>
/// compensates as TimedOut; one refused outright compensates as Failed. The saga is saved, with the
/// status event of the step it reached (outbox), when it reaches Compensating, waits for a retry, or
/// finishes (<see cref="SagaSteps.IsSavedOnTheWay"/>); the steps between run on without a
/// round trip. A runner claims a saga with a lease that it renews while a step runs, and every save is
/// fenced by the lease owner and the pending cancellation, so a runner that stalled past its lease can
/// never write over the runner that took over, and a cancellation that arrived meanwhile wins.
/// </summary>
public sealed class SagaRunner(
    WorkflowContext db,
    IntegrationEventOutbox<WorkflowContext> outbox,
    InventoryClient inventory,
    PaymentClient payment,
    OrderingClient ordering,
    SagaDispatcher dispatcher,
    SagaMetrics metrics,
    IServiceScopeFactory scopes,
    IOptions<WorkflowOptions> options,
    TimeProvider clock,
    ILogger<SagaRunner> logger)
{
    /// <summary>The next state and, for a cancellation, why.</summary>
    private readonly record struct Transition(SagaStep To, CancelReason? Reason = null);

    // One owner per runner instance (a scope: one event, one timer tick), not per process: an event
    // handler and a timer tick in the same process must not run one saga side by side either.
    private readonly string _runner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    // The step as last read from or written to the database: a save announces the order's status only
    // when the saga has reached a shown step other than this one.
    private SagaStep _savedStep;
    private WorkflowOptions Options => options.Value;

    /// <summary>
    /// Starts the saga of a submitted order, with any cancellation that arrived before it. A repeated
    /// OrderSubmitted (a redelivery, or Ordering's sweeper asking about an order it has heard nothing
    /// of) nudges the saga if it is unfinished and re-announces its final status if it is finished.
    /// </summary>
    public async Task StartAsync(OrderSubmitted submitted, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var lines = System.Text.Json.JsonSerializer.Serialize(
            submitted.Lines.Select(l => new SagaLine(l.ProductId, l.Quantity, l.UnitPrice)), System.Text.Json.JsonSerializerOptions.Web);
        var inserted = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO order_sagas ("OrderId", "UserId", "Total", "Lines", "Step", "Attempts", "FailingFor", "NextAttemptAt", "StatusSequence", "CreatedAt", "UpdatedAt")
            VALUES ({submitted.OrderId}, {submitted.UserId}, {submitted.Total}, CAST({lines} AS jsonb), {nameof(SagaStep.Submitted)},
                    0, INTERVAL '0', {now}, 0, {now}, {now})
            ON CONFLICT ("OrderId") DO NOTHING
            """, cancellationToken);
        if (inserted == 1)
        {
            // A cancellation that came first. A statement of its own, after the insert has committed:
            // RequestCancelAsync stores the early cancellation before it looks for the saga again, so
            // one of the two always sees the other.
            await db.Database.ExecuteSqlAsync($"""
                UPDATE order_sagas SET "PendingCancel" = e."Reason"
                FROM early_cancellations e
                WHERE e."OrderId" = {submitted.OrderId} AND order_sagas."OrderId" = e."OrderId" AND order_sagas."PendingCancel" IS NULL
                """, cancellationToken);
            dispatcher.Run(submitted.OrderId);
            return;
        }

        var saga = await db.Sagas.AsNoTracking().SingleAsync(s => s.OrderId == submitted.OrderId, cancellationToken);
        if (saga.Step.IsFinished())
        {
            // The same sequence number as before: Ordering applies it only if it never saw it.
            outbox.Add(new OrderStatusChanged(saga.OrderId, saga.Step.ShownAs()!.Value, saga.Reason, saga.StatusSequence), saga.OrderId.ToString());
            await db.SaveChangesAsync(cancellationToken);
        }
        else
        {
            dispatcher.Run(saga.OrderId);
        }
    }

    /// <summary>
    /// Asks for the order to be cancelled, whatever state its saga is in and even before it exists:
    /// a running saga compensates before its next step that moves money (or at its next save), a Confirmed
    /// one is compensated (refund, stock returned), and an order not seen yet starts its saga with the
    /// cancellation pending.
    /// </summary>
    /// <returns>True when a running or Confirmed saga took the cancellation; false when it waits for its saga's start or the saga is already compensating or Cancelled.</returns>
    public async Task<bool> RequestCancelAsync(Guid orderId, CancelReason reason, CancellationToken cancellationToken)
    {
        var changed = await MarkCancelledAsync(orderId, reason, cancellationToken);
        if (changed == 0)
        {
            // Its OrderSubmitted may not have arrived (another topic, so no order between them): keep
            // the cancellation for the saga's start, then look again in case the saga started
            // meanwhile. Kept also for a saga that has finished, where it is never read.
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO early_cancellations ("OrderId", "Reason", "At") VALUES ({orderId}, {reason.ToString()}, {clock.GetUtcNow()})
                ON CONFLICT ("OrderId") DO NOTHING
                """, cancellationToken);
            changed = await MarkCancelledAsync(orderId, reason, cancellationToken);
        }

        if (changed > 0)
        {
            dispatcher.Run(orderId);
        }

        return changed > 0;
    }

    private Task<int> MarkCancelledAsync(Guid orderId, CancelReason reason, CancellationToken cancellationToken)
    {
        var why = reason.ToString();
        // A Confirmed saga has no runner: it moves to compensation at once. A running one gets the
        // cancellation pending, and its runner's next save (fenced on PendingCancel) sees it.
        return db.Database.ExecuteSqlAsync($"""
            UPDATE order_sagas SET
                "Step" = CASE WHEN "Step" = 'Confirmed' THEN 'Compensating' ELSE "Step" END,
                "Reason" = CASE WHEN "Step" = 'Confirmed' THEN {why} ELSE "Reason" END,
                "PendingCancel" = CASE WHEN "Step" = 'Confirmed' THEN NULL ELSE {why} END,
                "Attempts" = CASE WHEN "Step" = 'Confirmed' THEN 0 ELSE "Attempts" END,
                "NextAttemptAt" = {clock.GetUtcNow()}
            WHERE "OrderId" = {orderId} AND "Step" NOT IN ('Cancelled', 'Compensating')
            """, cancellationToken);
    }

    /// <summary>The unfinished sagas that are due (a retry, or a runner that died) and not leased by a live runner.</summary>
    public Task<List<Guid>> DueAsync(int max, CancellationToken cancellationToken) =>
        DueQuery(clock.GetUtcNow(), max).ToListAsync(cancellationToken);

    /// <summary>Its filter is the partial index ix_order_sagas_due's (unfinished sagas by due time), so the scan stays on the index.</summary>
    internal IQueryable<Guid> DueQuery(DateTimeOffset now, int max) => db.Sagas.AsNoTracking()
        .Where(s => s.Step != SagaStep.Confirmed && s.Step != SagaStep.Cancelled && s.NextAttemptAt <= now
                    && (s.LeaseUntil == null || s.LeaseUntil < now))
        .OrderBy(s => s.NextAttemptAt).Select(s => s.OrderId).Take(max);

    /// <summary>Runs one saga transition after transition until it finishes, waits for a retry, or another runner holds it.</summary>
    public async Task RunAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var saga = await ClaimAsync(orderId, cancellationToken);
        if (saga is null)
        {
            return;
        }

        _savedStep = saga.Step;

        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var done = new CancellationTokenSource();
        var keeper = KeepLeaseAsync(orderId, leaseLost, done.Token);
        try
        {
            while (saga is not null && !saga.Step.IsFinished())
            {
                saga = await RunStepAsync(saga, leaseLost.Token);
            }
        }
        catch (OperationCanceledException) when (leaseLost.IsCancellationRequested)
        {
            // Shutting down, or the lease was lost: what was saved stands, and whoever runs the saga next repeats the step.
        }
        finally
        {
            await done.CancelAsync();
            await keeper;
        }
    }

    /// <returns>The saga to go on with, or null when this runner must stop (a retry is scheduled, or the lease is gone).</returns>
    private async Task<OrderSaga?> RunStepAsync(OrderSaga saga, CancellationToken cancellationToken)
    {
        var startedAt = clock.GetUtcNow();
        Transition? next;
        if (saga.PendingCancel is { } cancel && saga.Step is not SagaStep.Compensating)
        {
            next = new Transition(SagaStep.Compensating, cancel);
        }
        else
        {
            try
            {
                next = await StepAsync(saga, cancellationToken);
            }
            catch (CancelledMeanwhileException)
            {
                // Acted on before any money moves, rather than charge and refund: the steps since the last
                // save are dropped, and the compensation the reloaded saga runs undoes them.
                return await ReloadAsync(saga.OrderId, cancellationToken);
            }
            catch (TransientStepException ex)
            {
                next = Retry(saga, ex, startedAt);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                next = Refused(saga, ex);
            }
        }

        if (next is { } transition)
        {
            Apply(saga, transition);
        }

        var goOn = next is not null && !saga.Step.IsFinished();
        if (goOn && !saga.Step.IsSavedOnTheWay())
        {
            return saga;
        }

        try
        {
            await SaveAsync(saga, keepLease: goOn, cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // A cancellation arrived, or the lease was taken over, while the steps ran: their results
            // are dropped (their effects, if any, are undone by compensation or redone idempotently).
            return await ReloadAsync(saga.OrderId, cancellationToken);
        }

        if (!goOn && !saga.Step.IsFinished())
        {
            dispatcher.RunAt(saga.OrderId, saga.NextAttemptAt);
        }

        return goOn ? saga : null;
    }

    /// <summary>The saga as saved, tracked; null when another runner holds it now.</summary>
    private async Task<OrderSaga?> ReloadAsync(Guid orderId, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var fresh = await db.Sagas.SingleOrDefaultAsync(s => s.OrderId == orderId, cancellationToken);
        _savedStep = fresh?.Step ?? _savedStep;
        return fresh?.LeaseOwner == _runner ? fresh : null;
    }

    /// <summary>A cancellation arrived since the saga was read (the step found it in the database).</summary>
    private sealed class CancelledMeanwhileException : Exception;

    /// <summary>Right before a call that moves money: one indexed read for a cancellation that arrived since the saga was read.</summary>
    private async Task ThrowIfCancelledMeanwhileAsync(Guid orderId, CancellationToken cancellationToken)
    {
        if (await db.Sagas.AsNoTracking().AnyAsync(s => s.OrderId == orderId && s.PendingCancel != null, cancellationToken))
        {
            throw new CancelledMeanwhileException();
        }
    }

    private async Task<Transition> StepAsync(OrderSaga saga, CancellationToken cancellationToken)
    {
        switch (saga.Step)
        {
            case SagaStep.Submitted:
                return await inventory.ReserveAsync(saga.OrderId, saga.Lines, cancellationToken) switch
                {
                    "Reserved" => new(SagaStep.StockReserved),
                    // Only the Paid step commits: a runner that stopped after it, before its save, got this far.
                    "Committed" => new(SagaStep.Paid),
                    "OutOfStock" => new(SagaStep.Cancelled, CancelReason.OutOfStock), // nothing is held: nothing to undo
                    _ => new(SagaStep.Compensating, CancelReason.ReservationExpired), // closed by the sweeper meanwhile
                };

            case SagaStep.StockReserved:
                var paymentToken = await ordering.PaymentTokenAsync(saga.OrderId, cancellationToken);
                await ThrowIfCancelledMeanwhileAsync(saga.OrderId, cancellationToken);
                return await payment.AuthorizeAndCaptureAsync(saga.OrderId, saga.Total, paymentToken, cancellationToken) switch
                {
                    "Captured" => new(SagaStep.Paid),
                    "Authorized" => new(SagaStep.PaymentAuthorized), // the capture did not succeed in the same call: its own step
                    _ => new(SagaStep.Compensating, CancelReason.PaymentDeclined),
                };

            case SagaStep.PaymentAuthorized:
                await ThrowIfCancelledMeanwhileAsync(saga.OrderId, cancellationToken);
                return await payment.CaptureAsync(saga.OrderId, cancellationToken) == "Captured"
                    ? new(SagaStep.Paid)
                    : new(SagaStep.Compensating, CancelReason.PaymentDeclined);

            case SagaStep.Paid:
                // The reservation may have expired and been released between payment and commit.
                return await inventory.CommitAsync(saga.OrderId, cancellationToken) == "Committed"
                    ? new(SagaStep.Confirmed)
                    : new(SagaStep.Compensating, CancelReason.ReservationExpired);

            case SagaStep.Compensating:
                await CompensateAsync(saga, cancellationToken);
                return new(SagaStep.Cancelled);

            default:
                throw new InvalidOperationException($"A saga in {saga.Step} has no step to run.");
        }
    }

    /// <summary>Undoes whatever the saga may have done; every call is idempotent and harmless if nothing was done.</summary>
    private async Task CompensateAsync(OrderSaga saga, CancellationToken cancellationToken)
    {
        // Money first, from what Payment recorded of the provider's answers, never from what was asked:
        // void (also an authorization whose answer never came); a void that lost the race to a capture
        // answers Captured, so refund. Unavailable is thrown as transient and the whole compensation is
        // retried later (every call is idempotent); the saga is Cancelled once nothing is held or captured
        // (or, after repeated refusals, left to Payment's reconciler).
        var money = await payment.VoidAsync(saga.OrderId, cancellationToken);
        if (money.Status == "Captured")
        {
            money = await payment.RefundAsync(saga.OrderId, cancellationToken);
        }

        if (money.Status is "Captured" or "Authorized")
        {
            // Payment answered, and the provider refused: the same request gets the same refusal, so
            // this is not retried as transient but as a refusal (backoff, then left to the reconciler).
            throw new InvalidOperationException($"The payment is still {money.Status} after void and refund ({money.Outcome}).");
        }

        // Held units go back to available; committed ones (a confirmed order cancelled) back on hand.
        if (await inventory.ReleaseAsync(saga.OrderId, cancellationToken) == "Committed")
        {
            await inventory.ReturnAsync(saga.OrderId, cancellationToken);
        }
    }

    private void Apply(OrderSaga saga, Transition transition)
    {
        saga.Step = transition.To;
        if (transition.Reason is { } reason)
        {
            saga.Reason = reason;
        }

        if (transition.To is SagaStep.Compensating or SagaStep.Cancelled)
        {
            saga.PendingCancel = null; // acted on
        }

        saga.Attempts = 0;
        saga.FailingFor = TimeSpan.Zero;
        saga.LastAttemptAt = null;
        saga.LastError = null;
        saga.NextAttemptAt = clock.GetUtcNow();
    }

    /// <summary>A transient failure: try again after a backoff, or compensate once a forward step has failed for longer than the step timeout.</summary>
    private Transition? Retry(OrderSaga saga, TransientStepException ex, DateTimeOffset startedAt)
    {
        var now = clock.GetUtcNow();
        if (saga.LastAttemptAt is { } last)
        {
            // From the last failure to this one, less the time the retry waited past its due time: a
            // workflow that was down (or busy) did not see the step fail meanwhile.
            var late = startedAt - saga.NextAttemptAt;
            saga.FailingFor += now - last - (late > TimeSpan.Zero ? late : TimeSpan.Zero);
        }

        saga.Attempts++;
        saga.LastAttemptAt = now;
        saga.LastError = Truncate(ex.Message);
        if (saga.Step is not SagaStep.Compensating && saga.FailingFor >= Options.StepTimeout)
        {
            logger.LogWarning("Order {OrderId}: step {Step} kept failing for {FailingFor}; compensating", saga.OrderId, saga.Step, saga.FailingFor);
            return new Transition(SagaStep.Compensating, CancelReason.TimedOut);
        }

        saga.NextAttemptAt = now + Backoff(saga.Attempts, Options.RetryMaxDelay);
        logger.LogInformation("Order {OrderId}: step {Step} failed ({Error}); attempt {Attempt} at {Next}",
            saga.OrderId, saga.Step, ex.Message, saga.Attempts + 1, saga.NextAttemptAt);
        return null;
    }

    /// <summary>
    /// A step refused in a way no retry changes (a 4xx, an unreadable answer, a bug). A forward step
    /// compensates as Failed. A compensation is tried again with a growing backoff, and after
    /// <see cref="WorkflowOptions.CompensationAttempts"/> refusals the saga is closed as Cancelled and
    /// left to the reconcilers (Payment's, Inventory's reservation sweeper), loudly.
    /// </summary>
    private Transition? Refused(OrderSaga saga, Exception ex)
    {
        metrics.StepRefused(saga.Step);
        saga.LastError = Truncate($"{ex.GetType().Name}: {ex.Message}");
        if (saga.Step is not SagaStep.Compensating)
        {
            logger.LogError(ex, "Order {OrderId}: step {Step} was refused; compensating", saga.OrderId, saga.Step);
            return new Transition(SagaStep.Compensating, CancelReason.Failed);
        }

        saga.Attempts++;
        if (saga.Attempts >= Options.CompensationAttempts)
        {
            metrics.CompensationAbandoned();
            logger.LogCritical(ex, "Order {OrderId}: compensation refused {Attempts} times; closing it as Cancelled for the reconcilers to repair",
                saga.OrderId, saga.Attempts);
            return new Transition(SagaStep.Cancelled);
        }

        saga.NextAttemptAt = clock.GetUtcNow() + Backoff(saga.Attempts, Options.RefusedRetryMaxDelay);
        logger.LogError(ex, "Order {OrderId}: compensation refused (attempt {Attempt}); trying again at {Next}", saga.OrderId, saga.Attempts, saga.NextAttemptAt);
        return null;
    }

    private TimeSpan Backoff(int attempts, TimeSpan max)
    {
        var delay = Math.Min(max.TotalMilliseconds, Options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempts, 20)));
        return TimeSpan.FromMilliseconds(delay * (0.5 + Random.Shared.NextDouble() / 2)); // with jitter
    }

    private static string Truncate(string text) => text[..Math.Min(text.Length, 2000)];

    /// <summary>
    /// Takes the saga for this runner if it is unfinished and free (no live lease); one round trip, the row
    /// comes back tracked. Columns by name, not *: the statement is prepared, and its result must keep its
    /// shape when a migration adds a column while this version still runs.
    /// </summary>
    private async Task<OrderSaga?> ClaimAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var claimed = await db.Sagas.FromSql($"""
            UPDATE order_sagas SET "LeaseOwner" = {_runner}, "LeaseUntil" = {now + Options.Lease}
            WHERE "OrderId" = {orderId} AND "Step" NOT IN ('Confirmed', 'Cancelled')
              AND ("LeaseUntil" IS NULL OR "LeaseUntil" < {now} OR "LeaseOwner" = {_runner})
            RETURNING "OrderId", "UserId", "Total", "Lines", "Step", "Reason", "PendingCancel", "Attempts", "FailingFor",
                      "LastAttemptAt", "NextAttemptAt", "LeaseOwner", "LeaseUntil", "StatusSequence", "LastError", "CreatedAt", "UpdatedAt"
            """).ToListAsync(cancellationToken);
        return claimed.SingleOrDefault();
    }

    /// <summary>Renews the lease while a step runs; if the lease was taken over (this runner stalled past it), cancels the step.</summary>
    private async Task KeepLeaseAsync(Guid orderId, CancellationTokenSource leaseLost, CancellationToken done)
    {
        while (!done.IsCancellationRequested)
        {
            await Task.Delay(Options.Lease / 3, clock, done).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (done.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var renewing = scope.ServiceProvider.GetRequiredService<WorkflowContext>();
                var until = clock.GetUtcNow() + Options.Lease;
                if (await renewing.Sagas.Where(s => s.OrderId == orderId && s.LeaseOwner == _runner)
                        .ExecuteUpdateAsync(set => set.SetProperty(s => s.LeaseUntil, until), done) == 0)
                {
                    logger.LogWarning("Order {OrderId}: lease lost to another runner; stopping this one", orderId);
                    await leaseLost.CancelAsync();
                    return;
                }
            }
            catch (Exception ex) when (!done.IsCancellationRequested)
            {
                // The database is unreachable: the saves are fenced anyway, so keep trying to renew.
                logger.LogWarning(ex, "Order {OrderId}: could not renew the lease", orderId);
            }
        }
    }

    /// <summary>
    /// Saves the saga in one transaction with its status event, fenced by the lease owner and the pending
    /// cancellation. The status announced is the step reached, if it is shown and not announced yet: an
    /// order that waited nowhere on the way is announced Confirmed next.
    /// </summary>
    private async Task SaveAsync(OrderSaga saga, bool keepLease, CancellationToken cancellationToken)
    {
        if (saga.Step.AnnouncedAs() is { } status && status != _savedStep.AnnouncedAs())
        {
            saga.StatusSequence++;
            outbox.Add(new OrderStatusChanged(saga.OrderId, status, status == OrderStatus.Cancelled ? saga.Reason : null, saga.StatusSequence),
                saga.OrderId.ToString());
        }

        var now = clock.GetUtcNow();
        saga.UpdatedAt = now;
        saga.LeaseOwner = keepLease ? _runner : null;
        saga.LeaseUntil = keepLease ? now + Options.Lease : null;
        await db.SaveChangesAsync(cancellationToken);
        _savedStep = saga.Step;
    }
}

/// <summary>The workflow's own measurements (meter named after the app, exported by ServiceDefaults).</summary>
public sealed class SagaMetrics
{
    private readonly Counter<long> _refused;
    private readonly Counter<long> _abandoned;

    public SagaMetrics(IMeterFactory meters)
    {
        var meter = meters.Create("OrderWorkflow");
        _refused = meter.CreateCounter<long>("workflow.saga.steps_refused", description: "Saga steps refused in a way no retry changes.");
        _abandoned = meter.CreateCounter<long>("workflow.saga.compensations_abandoned",
            description: "Compensations closed after repeated refusals, left to the reconcilers.");
    }

    public void StepRefused(SagaStep step) => _refused.Add(1, new KeyValuePair<string, object?>("step", step.ToString()));

    public void CompensationAbandoned() => _abandoned.Add(1);
}
