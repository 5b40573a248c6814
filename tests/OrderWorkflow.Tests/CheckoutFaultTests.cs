using Microsoft.EntityFrameworkCore;
using OrderWorkflow.IntegrationEvents.Events;
using OrderWorkflow.Saga;
using Ordering.Contracts;
using Payment.Payments;
using TestSupport;

namespace OrderWorkflow.Tests;

/// <summary>
/// Faults in the middle of a batch of checkouts. The hosts run in the test process, so "down" here is
/// a host stopped mid-work (its in-flight calls cancelled, its leases left behind), not an OS-level
/// kill; the AppHost-level fault tests are where processes are killed.
/// </summary>
public sealed class CheckoutFaultTests(CheckoutFixture checkout) : IClassFixture<CheckoutFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private async Task<Guid[]> SubmitManyAsync(int count, int productId, string token = SimulatedPaymentProvider.Approve) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            var orderId = Guid.CreateVersion7();
            await checkout.SubmitAsync(new OrderSubmitted(orderId, "user-2", [new OrderLineContract(productId, 1, 5m)], 5m), token);
            return orderId;
        }));

    /// <summary>reserved = units of open orders; captured = totals of Confirmed orders; nothing else charged.</summary>
    private async Task AssertConsistentAsync(int productId, int onHandAtStart, IReadOnlyCollection<OrderSaga> sagas)
    {
        var confirmed = sagas.Where(s => s.Step == SagaStep.Confirmed).ToList();
        Assert.Equal(new CheckoutFixture.StockLevel(productId, onHandAtStart - confirmed.Count, 0, onHandAtStart - confirmed.Count),
            await checkout.StockAsync(productId));

        await using var payments = checkout.Payments();
        var orderIds = sagas.Select(s => s.OrderId.ToString()).ToHashSet();
        var records = (await payments.ProviderRecords.AsNoTracking().ToListAsync())
            .Where(r => orderIds.Contains(r.IdempotencyKey[(r.IdempotencyKey.IndexOf(':') + 1)..])).ToList();
        var captures = records.Where(r => r.Kind == PaymentOperationKind.Capture && r.Approved).ToList();
        Assert.Equal(captures.Count, captures.Select(r => r.IdempotencyKey).Distinct().Count());
        // Money and order agree: a Confirmed order captured its total once; a Cancelled one kept nothing, net of refunds
        // (a capture that reached Payment after the saga had given up on it is refunded).
        foreach (var saga in sagas)
        {
            var mine = records.Where(r => r.Approved && r.IdempotencyKey.EndsWith(saga.OrderId.ToString(), StringComparison.Ordinal)).ToList();
            var kept = mine.Where(r => r.Kind == PaymentOperationKind.Capture).Sum(r => r.Amount)
                - mine.Where(r => r.Kind == PaymentOperationKind.Refund).Sum(r => r.Amount);
            Assert.True(kept == (saga.Step == SagaStep.Confirmed ? saga.Total : 0m), $"{saga.OrderId} ({saga.Step}): {kept} kept");
        }
        // Every authorization of a cancelled order was voided.
        foreach (var cancelled in sagas.Where(s => s.Step == SagaStep.Cancelled))
        {
            var id = cancelled.OrderId.ToString();
            if (records.Any(r => r.Kind == PaymentOperationKind.Authorize && r.Approved && r.IdempotencyKey.EndsWith(id)))
            {
                Assert.Contains(records, r => r.Kind == PaymentOperationKind.Void && r.IdempotencyKey.EndsWith(id));
            }
        }
    }

    [Fact]
    public async Task The_workflow_host_stopped_mid_batch_and_restarted_brings_every_order_to_a_consistent_end()
    {
        var product = await checkout.NewProductAsync(40);
        var orders = await SubmitManyAsync(60, product);

        // Stop the workflow as soon as some sagas are underway and others not yet started.
        await Eventually.TrueAsync(async () =>
        {
            await using var db = checkout.Workflow();
            return await db.Sagas.CountAsync(s => orders.Contains(s.OrderId)) >= 10;
        }, "ten sagas to start", Deadline);
        await checkout.StopWorkflowAsync();
        await using (var db = checkout.Workflow())
        {
            Assert.True(await db.Sagas.CountAsync(s => orders.Contains(s.OrderId) && s.Step != SagaStep.Confirmed && s.Step != SagaStep.Cancelled) > 0
                        || await db.Sagas.CountAsync(s => orders.Contains(s.OrderId)) < orders.Length,
                "the stop came too late to interrupt anything");
        }

        await checkout.StartWorkflowAsync();

        var sagas = await checkout.FinishedAsync(orders, TimeSpan.FromMinutes(2));
        Assert.Equal(40, sagas.Count(s => s.Step == SagaStep.Confirmed));
        Assert.Equal(20, sagas.Count(s => s.Reason == CancelReason.OutOfStock));
        await AssertConsistentAsync(product, 40, sagas);
    }

    [Fact]
    public async Task Payment_down_mid_batch_and_back_leaves_every_order_confirmed_or_compensated_with_no_stray_charge()
    {
        var product = await checkout.NewProductAsync(100);
        var orders = (await SubmitManyAsync(3, product)).ToList();
        await checkout.FinishedAsync(orders, Deadline);
        await checkout.StopPaymentAsync();
        try
        {
            // Orders placed while Payment is down fail their payment step and retry; a batch submitted
            // before the stop could finish first on a fast machine and never meet the outage.
            orders.AddRange(await SubmitManyAsync(27, product));
            await Eventually.TrueAsync(async () =>
            {
                await using var db = checkout.Workflow();
                return await db.Sagas.AnyAsync(s => orders.Contains(s.OrderId) && s.Attempts > 0);
            }, "a saga to retry its payment step", Deadline);
        }
        finally
        {
            await checkout.StartPaymentAsync();
        }

        var sagas = await checkout.FinishedAsync(orders, TimeSpan.FromMinutes(2));
        Assert.All(sagas, s => Assert.True(s.Step == SagaStep.Confirmed || s.Reason == CancelReason.TimedOut, $"{s.OrderId}: {s.Step} {s.Reason}"));
        await AssertConsistentAsync(product, 100, sagas);
    }
}

/// <summary>The saga's own rules: what counts toward a step's timeout, what ends a step outright, how due sagas are found.</summary>
public sealed class SagaRunnerTests(LongStepTimeoutFixture checkout) : IClassFixture<LongStepTimeoutFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Time_the_workflow_was_down_does_not_count_toward_a_steps_timeout()
    {
        var product = await checkout.NewProductAsync(10);
        await checkout.StopPaymentAsync();
        Guid[] orders;
        DateTimeOffset restarted;
        try
        {
            orders = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            {
                var order = Guid.CreateVersion7();
                await checkout.SubmitAsync(new OrderSubmitted(order, "user-down", [new OrderLineContract(product, 1, 3m)], 3m), SimulatedPaymentProvider.Approve);
                return order;
            }));
            await Eventually.TrueAsync(async () =>
            {
                await using var db = checkout.Workflow();
                return await db.Sagas.CountAsync(s => orders.Contains(s.OrderId) && s.Step == SagaStep.StockReserved && s.Attempts > 0) == orders.Length;
            }, "every saga to fail its payment step once", Deadline);

            // The workflow is down for longer than the step timeout (the outage is the fault being injected).
            await checkout.StopWorkflowAsync();
            await Task.Delay(LongStepTimeoutFixture.Timeout * 2);
            restarted = DateTimeOffset.UtcNow;
            await checkout.StartWorkflowAsync();

            // Payment is still down: every saga fails again after the restart, which must not time it out.
            await Eventually.TrueAsync(async () =>
            {
                await using var db = checkout.Workflow();
                return await db.Sagas.CountAsync(s => orders.Contains(s.OrderId) && s.LastAttemptAt > restarted) == orders.Length;
            }, "every saga to fail once more after the restart", Deadline);
        }
        finally
        {
            await checkout.StartPaymentAsync();
        }

        var sagas = await checkout.FinishedAsync(orders, Deadline);
        Assert.All(sagas, s => Assert.True(s.Step == SagaStep.Confirmed, $"{s.OrderId}: {s.Step} {s.Reason}"));
    }

    [Fact]
    public async Task A_step_refused_outright_compensates_as_failed_instead_of_retrying_forever()
    {
        var product = await checkout.NewProductAsync(5);
        var order = Guid.CreateVersion7();
        // Ordering has no payment token for this order: 404, which no retry changes.
        await checkout.PublishAsync(new OrderSubmitted(order, "user-refused", [new OrderLineContract(product, 2, 6m)], 12m), order.ToString());

        var saga = (await checkout.FinishedAsync([order], Deadline)).Single();

        Assert.Equal((SagaStep.Cancelled, CancelReason.Failed), (saga.Step, saga.Reason));
        Assert.Equal(new CheckoutFixture.StockLevel(product, 5, 0, 5), await checkout.StockAsync(product));
    }

    [Fact]
    public async Task The_due_saga_scan_is_served_by_its_partial_index()
    {
        await using var db = checkout.Workflow();
        var runner = new SagaRunner(db, null!, null!, null!, null!, null!, null!, null!,
            Microsoft.Extensions.Options.Options.Create(new WorkflowOptions()), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<SagaRunner>.Instance);
        var plan = await QueryPlans.IndexPlanAsync(db, runner.DueQuery(DateTimeOffset.UtcNow, 200));

        Assert.Contains("ix_order_sagas_due", plan);
    }
}

/// <summary>A step that outlasts the lease: the runner renews it, so no second runner repeats the step.</summary>
public sealed class SlowStepTests(SlowProviderFixture checkout) : IClassFixture<SlowProviderFixture>
{
    [Fact]
    public async Task A_payment_step_slower_than_the_lease_is_sent_by_one_runner_only()
    {
        var product = await checkout.NewProductAsync(5);
        var orders = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            var order = Guid.CreateVersion7();
            await checkout.SubmitAsync(new OrderSubmitted(order, "user-slow", [new OrderLineContract(product, 1, 4m)], 4m), SimulatedPaymentProvider.Approve);
            return order;
        }));

        var sagas = await checkout.FinishedAsync(orders, TimeSpan.FromMinutes(2));

        Assert.All(sagas, s => Assert.Equal(SagaStep.Confirmed, s.Step));
        await using var payments = checkout.Payments();
        var ids = orders.ToHashSet();
        var ledger = await payments.Ledger.AsNoTracking().Where(l => ids.Contains(l.OrderId)).ToListAsync();
        // One authorization and one capture sent per order: a second runner taking over an expired
        // lease mid-call would have sent each again (the provider deduplicates, the ledger shows it).
        Assert.All(orders, order => Assert.Equal(
            [PaymentOperationKind.Authorize, PaymentOperationKind.Capture],
            ledger.Where(l => l.OrderId == order).OrderBy(l => l.Id).Select(l => l.Kind)));
    }
}

/// <summary>An abandoned checkout: its reservation expires, the stock comes back, the order is cancelled.</summary>
public sealed class ReservationExpiryTests(ShortReservationFixture checkout) : IClassFixture<ShortReservationFixture>
{
    [Fact]
    public async Task A_reservation_that_expires_releases_the_stock_and_cancels_the_order()
    {
        var product = await checkout.NewProductAsync(3);
        await checkout.StopPaymentAsync(); // the checkout stalls after reserving: payment never comes
        Guid order;
        try
        {
            order = Guid.CreateVersion7();
            await checkout.SubmitAsync(new OrderSubmitted(order, "user-3", [new OrderLineContract(product, 2, 7m)], 14m), SimulatedPaymentProvider.Approve);

            await Eventually.TrueAsync(async () =>
            {
                await using var db = checkout.Workflow();
                var saga = await db.Sagas.AsNoTracking().SingleOrDefaultAsync(s => s.OrderId == order);
                return saga is { Reason: CancelReason.ReservationExpired };
            }, "the order to be cancelled for expiry", TimeSpan.FromSeconds(60));
        }
        finally
        {
            await checkout.StartPaymentAsync(); // compensation voids whatever payment may exist
        }

        var finished = (await checkout.FinishedAsync([order], TimeSpan.FromSeconds(60))).Single();
        Assert.Equal((SagaStep.Cancelled, CancelReason.ReservationExpired), (finished.Step, finished.Reason));
        Assert.Equal(new CheckoutFixture.StockLevel(product, 3, 0, 3), await checkout.StockAsync(product));
    }
}
