using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BuildingBlocks.EventBus;
using Microsoft.EntityFrameworkCore;
using OrderWorkflow.IntegrationEvents.Events;
using OrderWorkflow.Saga;
using Ordering.Contracts;
using Payment.Payments;
using TestSupport;

namespace OrderWorkflow.Tests;

/// <summary>The checkout saga across Inventory, Payment and OrderWorkflow hosts, on real PostgreSQL and Redis.</summary>
public sealed class CheckoutSagaTests(CheckoutFixture checkout) : IClassFixture<CheckoutFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private async Task<Guid> SubmitAsync(string token, params (int ProductId, int Quantity)[] lines)
    {
        var orderId = Guid.CreateVersion7();
        var contractLines = lines.Select(l => new OrderLineContract(l.ProductId, l.Quantity, 10m)).ToArray();
        await checkout.SubmitAsync(new OrderSubmitted(orderId, "user-1", contractLines, contractLines.Sum(l => l.Quantity * l.UnitPrice)), token);
        return orderId;
    }

    private async Task<List<ProviderRecord>> ProviderRecordsAsync(Guid orderId)
    {
        await using var db = checkout.Payments();
        var suffix = ":" + orderId;
        return await db.ProviderRecords.AsNoTracking().Where(r => r.IdempotencyKey.EndsWith(suffix)).ToListAsync();
    }

    private async Task<List<string>> StatusEventsAsync(Guid orderId)
    {
        await using var db = checkout.Workflow();
        return await db.Set<BuildingBlocks.Outbox.OutboxMessage>().AsNoTracking()
            .Where(m => m.PartitionKey == orderId.ToString()).OrderBy(m => m.Sequence)
            .Select(m => m.CloudEvent).ToListAsync();
    }

    [Fact]
    public async Task A_paid_order_is_confirmed_with_its_stock_committed_and_its_payment_captured_once()
    {
        var product = await checkout.NewProductAsync(10);

        var order = await SubmitAsync(SimulatedPaymentProvider.Approve, (product, 2));

        var saga = (await checkout.FinishedAsync([order], Deadline)).Single();
        Assert.Equal(SagaStep.Confirmed, saga.Step);
        Assert.Equal(new CheckoutFixture.StockLevel(product, 8, 0, 8), await checkout.StockAsync(product));
        var records = await ProviderRecordsAsync(order);
        Assert.Single(records, r => r.Kind == PaymentOperationKind.Authorize && r.Approved);
        Assert.Single(records, r => r.Kind == PaymentOperationKind.Capture && r.Amount == 20m);
        // Nothing waited on the way, so the shopper hears of Confirmed only.
        var statuses = await StatusEventsAsync(order);
        Assert.Collection(statuses, e => Assert.Contains("\"Confirmed\"", e));
    }

    [Fact]
    public async Task A_saga_that_stopped_after_its_commit_before_its_save_is_confirmed_when_run_again_without_a_second_charge()
    {
        var product = await checkout.NewProductAsync(5);
        var lines = new[] { new OrderLineContract(product, 1, 10m) };
        var order = Guid.CreateVersion7();
        var submitted = new OrderSubmitted(order, "user-1", lines, 10m);
        await checkout.SubmitAsync(submitted, SimulatedPaymentProvider.Approve);
        await checkout.FinishedAsync([order], Deadline);

        // What the database holds when a runner dies after Inventory committed and before the saga's
        // only save: the saga as it was first written (the steps between saves are not recorded).
        await using (var db = checkout.Workflow())
        {
            await db.Sagas.Where(s => s.OrderId == order).ExecuteUpdateAsync(set => set
                .SetProperty(s => s.Step, SagaStep.Submitted).SetProperty(s => s.StatusSequence, 0));
        }

        await checkout.SubmitAsync(submitted, SimulatedPaymentProvider.Approve); // redelivered: the saga is unfinished, so it runs

        var saga = (await checkout.FinishedAsync([order], Deadline)).Single();
        Assert.Equal(SagaStep.Confirmed, saga.Step);
        Assert.Equal(new CheckoutFixture.StockLevel(product, 4, 0, 4), await checkout.StockAsync(product));
        var records = await ProviderRecordsAsync(order);
        Assert.Single(records, r => r.Kind == PaymentOperationKind.Authorize);
        Assert.Single(records, r => r.Kind == PaymentOperationKind.Capture);
        Assert.DoesNotContain(records, r => r.Kind is PaymentOperationKind.Void or PaymentOperationKind.Refund);
    }

    [Fact]
    public async Task A_declined_card_cancels_the_order_and_gives_the_stock_back_without_capturing()
    {
        var product = await checkout.NewProductAsync(5);

        var order = await SubmitAsync(SimulatedPaymentProvider.Decline, (product, 3));

        var saga = (await checkout.FinishedAsync([order], Deadline)).Single();
        Assert.Equal((SagaStep.Cancelled, CancelReason.PaymentDeclined), (saga.Step, saga.Reason));
        Assert.Equal(new CheckoutFixture.StockLevel(product, 5, 0, 5), await checkout.StockAsync(product));
        Assert.DoesNotContain(await ProviderRecordsAsync(order), r => r.Kind == PaymentOperationKind.Capture);
    }

    [Fact]
    public async Task A_provider_that_never_answers_times_out_and_the_authorization_is_voided()
    {
        var product = await checkout.NewProductAsync(5);

        var order = await SubmitAsync(SimulatedPaymentProvider.NeverAnswers, (product, 1));

        var saga = (await checkout.FinishedAsync([order], Deadline)).Single();
        Assert.Equal((SagaStep.Cancelled, CancelReason.TimedOut), (saga.Step, saga.Reason));
        var records = await ProviderRecordsAsync(order);
        Assert.Single(records, r => r.Kind == PaymentOperationKind.Void);
        Assert.DoesNotContain(records, r => r.Kind == PaymentOperationKind.Capture);
        Assert.Equal(new CheckoutFixture.StockLevel(product, 5, 0, 5), await checkout.StockAsync(product));
    }

    [Fact]
    public async Task One_line_out_of_stock_reserves_nothing_and_cancels_the_order()
    {
        var (plenty, scarce) = (await checkout.NewProductAsync(10), await checkout.NewProductAsync(1));

        var order = await SubmitAsync(SimulatedPaymentProvider.Approve, (plenty, 1), (scarce, 2));

        var saga = (await checkout.FinishedAsync([order], Deadline)).Single();
        Assert.Equal((SagaStep.Cancelled, CancelReason.OutOfStock), (saga.Step, saga.Reason));
        Assert.Equal(0, (await checkout.StockAsync(plenty)).Reserved);
        Assert.Equal(0, (await checkout.StockAsync(scarce)).Reserved);
        Assert.Empty(await ProviderRecordsAsync(order));
    }

    [Fact]
    public async Task A_flaky_provider_still_confirms_with_exactly_one_charge()
    {
        var product = await checkout.NewProductAsync(20);

        var orders = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            orders.Add(await SubmitAsync(SimulatedPaymentProvider.Flaky, (product, 1)));
        }

        var sagas = await checkout.FinishedAsync(orders, Deadline);
        Assert.All(sagas, s => Assert.Equal(SagaStep.Confirmed, s.Step));
        foreach (var order in orders)
        {
            var records = await ProviderRecordsAsync(order);
            Assert.Single(records, r => r.Kind == PaymentOperationKind.Authorize);
            Assert.Single(records, r => r.Kind == PaymentOperationKind.Capture);
        }
    }

    [Fact]
    public async Task Two_hundred_concurrent_checkouts_of_fifty_units_confirm_exactly_fifty()
    {
        var product = await checkout.NewProductAsync(50);

        var orders = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => SubmitAsync(SimulatedPaymentProvider.Approve, (product, 1))));

        var sagas = await checkout.FinishedAsync(orders, TimeSpan.FromMinutes(3));
        Assert.Equal(50, sagas.Count(s => s.Step == SagaStep.Confirmed));
        Assert.Equal(150, sagas.Count(s => s.Step == SagaStep.Cancelled && s.Reason == CancelReason.OutOfStock));
        Assert.Equal(new CheckoutFixture.StockLevel(product, 0, 0, 0), await checkout.StockAsync(product));
        await using var payments = checkout.Payments();
        var captured = await payments.ProviderRecords.Where(r => r.Kind == PaymentOperationKind.Capture).ToListAsync();
        Assert.Equal(50, captured.Count(r => orders.Any(o => r.IdempotencyKey.EndsWith(o.ToString()))));
    }

    [Fact]
    public async Task Cancelling_a_confirmed_order_refunds_it_and_puts_the_stock_back()
    {
        var product = await checkout.NewProductAsync(4);
        var order = await SubmitAsync(SimulatedPaymentProvider.Approve, (product, 3));
        Assert.Equal(SagaStep.Confirmed, (await checkout.FinishedAsync([order], Deadline)).Single().Step);
        Assert.Equal(1, (await checkout.StockAsync(product)).OnHand);

        await checkout.PublishAsync(new OrderCancelRequested(order), order.ToString());

        await Eventually.TrueAsync(async () =>
        {
            await using var db = checkout.Workflow();
            return (await db.Sagas.AsNoTracking().SingleAsync(s => s.OrderId == order)).Reason == CancelReason.CancelledByUser;
        }, "the saga to record the user's cancellation", Deadline);
        var saga = (await checkout.FinishedAsync([order], Deadline)).Single();
        Assert.Equal((SagaStep.Cancelled, CancelReason.CancelledByUser), (saga.Step, saga.Reason));
        Assert.Single(await ProviderRecordsAsync(order), r => r.Kind == PaymentOperationKind.Refund);
        Assert.Equal(new CheckoutFixture.StockLevel(product, 4, 0, 4), await checkout.StockAsync(product));
    }

    [Fact]
    public async Task A_cancellation_that_arrives_before_its_order_still_cancels_it()
    {
        var product = await checkout.NewProductAsync(3);
        var order = Guid.CreateVersion7();

        // Two topics, no order between them: the cancellation can be handled before the saga exists.
        await checkout.PublishAsync(new OrderCancelRequested(order), order.ToString());
        await Eventually.TrueAsync(async () =>
        {
            await using var db = checkout.Workflow();
            return await db.EarlyCancellations.AnyAsync(c => c.OrderId == order);
        }, "the workflow to keep the early cancellation", Deadline);
        await checkout.SubmitAsync(new OrderSubmitted(order, "user-early", [new OrderLineContract(product, 2, 5m)], 10m), SimulatedPaymentProvider.Approve);

        var saga = (await checkout.FinishedAsync([order], Deadline)).Single();
        Assert.Equal((SagaStep.Cancelled, CancelReason.CancelledByUser), (saga.Step, saga.Reason));
        Assert.DoesNotContain(await ProviderRecordsAsync(order), r => r.Kind == PaymentOperationKind.Capture);
        Assert.Equal(new CheckoutFixture.StockLevel(product, 3, 0, 3), await checkout.StockAsync(product));
    }

    [Fact]
    public async Task A_cancellation_that_arrives_after_the_stock_is_held_is_acted_on_before_any_money_moves()
    {
        var product = await checkout.NewProductAsync(3);
        var order = Guid.CreateVersion7();
        var held = checkout.HoldPaymentToken(order);
        await checkout.SubmitAsync(new OrderSubmitted(order, "user-midway", [new OrderLineContract(product, 1, 5m)], 5m), SimulatedPaymentProvider.Approve);

        // The stock is held (not saved: the saga runs on), and the saga is about to pay when the shopper cancels.
        await held.Asked.Task.WaitAsync(Deadline);
        await checkout.PublishAsync(new OrderCancelRequested(order), order.ToString());
        await Eventually.TrueAsync(async () =>
        {
            await using var db = checkout.Workflow();
            return await db.Sagas.AnyAsync(s => s.OrderId == order && s.PendingCancel != null);
        }, "the cancellation to be pending", Deadline);
        held.Released.SetResult();

        var saga = (await checkout.FinishedAsync([order], Deadline)).Single();
        Assert.Equal((SagaStep.Cancelled, CancelReason.CancelledByUser), (saga.Step, saga.Reason));
        Assert.DoesNotContain(await ProviderRecordsAsync(order), r => r.Kind is PaymentOperationKind.Authorize or PaymentOperationKind.Capture);
        Assert.Equal(new CheckoutFixture.StockLevel(product, 3, 0, 3), await checkout.StockAsync(product));
    }

    [Fact]
    public async Task Orders_cancelled_as_they_are_placed_all_end_cancelled_with_nothing_captured_net()
    {
        var product = await checkout.NewProductAsync(40);
        var orders = Enumerable.Range(0, 20).Select(_ => Guid.CreateVersion7()).ToArray();

        // Each shopper checks out and cancels at once; the two events race in either order.
        await Task.WhenAll(orders.Select(async (order, i) =>
        {
            var submit = checkout.SubmitAsync(new OrderSubmitted(order, $"user-race-{i}", [new OrderLineContract(product, 1, 8m)], 8m), SimulatedPaymentProvider.Approve);
            var cancel = checkout.PublishAsync(new OrderCancelRequested(order), order.ToString());
            await Task.WhenAll(i % 2 == 0 ? [submit, cancel] : new[] { cancel, submit });
        }));

        var sagas = await checkout.FinishedAsync(orders, Deadline);
        Assert.All(sagas, s => Assert.Equal((SagaStep.Cancelled, CancelReason.CancelledByUser), (s.Step, s.Reason)));
        foreach (var order in orders)
        {
            var records = await ProviderRecordsAsync(order);
            var captured = records.Where(r => r.Kind == PaymentOperationKind.Capture && r.Approved).Sum(r => r.Amount);
            var refunded = records.Where(r => r.Kind == PaymentOperationKind.Refund && r.Approved).Sum(r => r.Amount);
            Assert.Equal(0m, captured - refunded);
        }

        Assert.Equal(new CheckoutFixture.StockLevel(product, 40, 0, 40), await checkout.StockAsync(product));
    }

    [Fact]
    public async Task An_event_delivered_over_http_as_dapr_does_is_dispatched_and_one_on_the_wrong_topic_is_dropped()
    {
        var product = await checkout.NewProductAsync(2);
        var order = Guid.CreateVersion7();
        checkout.RecordPaymentToken(order, SimulatedPaymentProvider.Approve);
        var submitted = CloudEvent.Create(new OrderSubmitted(order, "user-http", [new OrderLineContract(product, 1, 7m)], 7m), "tests", order.ToString());
        using var client = checkout.WorkflowClient();

        var misrouted = await client.PostAsJsonAsync("/api/events/inventory.reservation-expired", submitted, CloudEvent.SerializerOptions);
        Assert.Equal(HttpStatusCode.OK, misrouted.StatusCode);
        Assert.Equal("DROP", (await misrouted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        var delivered = await client.PostAsJsonAsync($"/api/events/{submitted.Topic}", submitted, CloudEvent.SerializerOptions);
        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        Assert.Equal("SUCCESS", (await delivered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(SagaStep.Confirmed, (await checkout.FinishedAsync([order], Deadline)).Single().Step);
    }

    [Fact]
    public async Task The_sagas_calls_to_inventory_and_payment_are_in_the_trace_of_the_order_that_caused_them()
    {
        // The server spans of every app in this process, by trace.
        var served = new ConcurrentQueue<(ActivityTraceId Trace, string? Path)>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity => served.Enqueue((activity.TraceId, activity.GetTagItem("url.path") as string)),
        };
        ActivitySource.AddActivityListener(listener);
        var product = await checkout.NewProductAsync(3);

        // As Ordering's relay publishes it: inside the checkout's trace, which travels in the event.
        var checkoutTrace = ActivityTraceId.CreateRandom();
        Guid order;
        using (var request = new Activity("checkout request").SetIdFormat(ActivityIdFormat.W3C)
            .SetParentId(checkoutTrace, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
        {
            order = await SubmitAsync(SimulatedPaymentProvider.Approve, (product, 1));
        }

        Assert.Equal(SagaStep.Confirmed, (await checkout.FinishedAsync([order], Deadline)).Single().Step);
        var paths = served.Where(s => s.Trace == checkoutTrace).Select(s => s.Path).ToList();
        Assert.Contains("/api/inventory/reservations", paths);
        Assert.Contains($"/api/inventory/reservations/{order}/commit", paths);
        Assert.Contains("/api/payments/authorize", paths);
    }
}
