using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Ordering.Contracts;
using Payment.Data;
using Payment.IntegrationEvents.EventHandling;
using Payment.IntegrationEvents.Events;
using Payment.Payments;
using TestSupport;

namespace Payment.Tests;

/// <summary>
/// The reconciler through its real path: the workflow's status event on the bus, Payment's handler,
/// the timer (every second in this fixture, no grace), the repair, its count.
/// </summary>
public sealed class ReconcilerTests(PaymentFixture payment) : IClassFixture<PaymentFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private MetricCollector<long> Repairs() =>
        new(payment.Services.GetRequiredService<IMeterFactory>(), ReconciliationMetrics.MeterName, "payment.reconciliation.repairs");

    private async Task<Guid> PaidAsync(bool capture)
    {
        var order = Guid.NewGuid();
        await payment.WithPaymentsAsync(p => p.AuthorizeAsync(order, 25m, SimulatedPaymentProvider.Approve, capture: false, default));
        if (capture)
        {
            await payment.WithPaymentsAsync(p => p.CaptureAsync(order, default));
        }

        return order;
    }

    private Task<PaymentStatus?> StatusEventuallyAsync(Guid order, PaymentStatus expected) =>
        Eventually.UntilAsync(async () => (await payment.WithPaymentsAsync(p => p.GetAsync(order, default)))?.Status,
            status => status == expected, Deadline, $"the payment of {order} to be {expected}");

    private static bool Counted(MetricCollector<long> repairs, string kind, string outcome) =>
        repairs.GetMeasurementSnapshot().Any(m => Equals(m.Tags["kind"], kind) && Equals(m.Tags["outcome"], outcome));

    [Fact]
    public async Task A_captured_payment_whose_order_ended_Cancelled_is_refunded_and_the_repair_counted()
    {
        using var repairs = Repairs();
        var order = await PaidAsync(capture: true);

        // The order ended Cancelled, yet its card stayed captured (a compensation that went wrong).
        await payment.PublishAsync(new OrderStatusChanged(order, OrderStatus.Cancelled, CancelReason.TimedOut, 6), order.ToString());

        await StatusEventuallyAsync(order, PaymentStatus.Refunded);
        Assert.Equal(0m, (await payment.ProviderPaymentAsync(order))!.NetCaptured);
        await Eventually.TrueAsync(() => Counted(repairs, ReconciliationMetrics.Refund, nameof(PaymentOutcome.Refunded)), "the refund to be counted");
    }

    [Fact]
    public async Task An_authorization_whose_order_ended_Cancelled_is_voided()
    {
        using var repairs = Repairs();
        var order = await PaidAsync(capture: false);

        await payment.PublishAsync(new OrderStatusChanged(order, OrderStatus.Cancelled, CancelReason.CancelledByUser, 6), order.ToString());

        await StatusEventuallyAsync(order, PaymentStatus.Voided);
        Assert.Equal(ProviderPaymentState.Voided, (await payment.ProviderPaymentAsync(order))!.State);
        await Eventually.TrueAsync(() => Counted(repairs, ReconciliationMetrics.Void, nameof(PaymentOutcome.Voided)), "the void to be counted");
    }

    [Fact]
    public async Task A_Confirmed_order_whose_payment_is_not_captured_is_reported_and_not_charged()
    {
        using var repairs = Repairs();
        var order = await PaidAsync(capture: false);

        await payment.PublishAsync(new OrderStatusChanged(order, OrderStatus.Confirmed, null, 4), order.ToString());

        await Eventually.TrueAsync(() => Counted(repairs, ReconciliationMetrics.ConfirmedNotCaptured, "Reported"), "the mismatch to be reported");
        await using var scope = payment.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentContext>();
        Assert.NotNull((await db.OrderFinalStatuses.AsNoTracking().SingleAsync(s => s.OrderId == order)).ReportedAt);
        Assert.Equal((ProviderPaymentState.Authorized, 0m), ((await payment.ProviderPaymentAsync(order))!.State, (await payment.ProviderPaymentAsync(order))!.NetCaptured));
    }

    [Fact]
    public async Task A_status_delivered_late_never_replaces_a_later_one()
    {
        var order = Guid.NewGuid();
        await using var scope = payment.Services.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetRequiredService<OrderStatusChangedHandler>();

        await handler.HandleAsync(new OrderStatusChanged(order, OrderStatus.Cancelled, CancelReason.CancelledByUser, 6), default);
        await handler.HandleAsync(new OrderStatusChanged(order, OrderStatus.Confirmed, null, 4), default);
        await handler.HandleAsync(new OrderStatusChanged(order, OrderStatus.Paid, null, 3), default);
        await handler.HandleAsync(new OrderStatusChanged(order, OrderStatus.Cancelled, CancelReason.CancelledByUser, 6), default); // redelivered

        var db = scope.ServiceProvider.GetRequiredService<PaymentContext>();
        var recorded = await db.OrderFinalStatuses.AsNoTracking().SingleAsync(s => s.OrderId == order);
        Assert.Equal(("Cancelled", 6), (recorded.Status, recorded.Sequence));
    }
}
