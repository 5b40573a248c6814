using Microsoft.EntityFrameworkCore;
using OrderWorkflow.IntegrationEvents.Events;
using OrderWorkflow.Saga;
using Ordering.Contracts;
using Payment.Payments;
using TestSupport;

namespace OrderWorkflow.Tests;

/// <summary>
/// Money and order agree whatever the payment provider answers, and in whatever order: Confirmed and
/// captured once, or Cancelled with nothing captured net of refunds. Net captured money is read from
/// the simulated provider's own records. Its own fixture: the outage switch stops the whole provider.
/// </summary>
public sealed class PaymentAnswerFaultTests(CheckoutFixture checkout) : IClassFixture<CheckoutFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private async Task<Guid> SubmitAsync(string token, int productId)
    {
        var orderId = Guid.CreateVersion7();
        await checkout.SubmitAsync(new OrderSubmitted(orderId, "user-pay", [new OrderLineContract(productId, 1, 10m)], 10m), token);
        return orderId;
    }

    private async Task<ProviderPayment> ProviderAsync(Guid order) => (await checkout.PaymentProvider().PaymentAsync(order, default))!;

    private async Task<List<ProviderRecord>> ProviderRecordsAsync(Guid orderId)
    {
        await using var db = checkout.Payments();
        var suffix = ":" + orderId;
        return await db.ProviderRecords.AsNoTracking().Where(r => r.IdempotencyKey.EndsWith(suffix)).ToListAsync();
    }

    [Fact]
    public async Task A_capture_whose_answer_is_lost_ends_Confirmed_with_the_card_captured_once()
    {
        var product = await checkout.NewProductAsync(3);

        var order = await SubmitAsync(SimulatedPaymentProvider.CaptureAnswerLost, product);

        var saga = (await checkout.FinishedAsync([order], Deadline)).Single();
        Assert.Equal(SagaStep.Confirmed, saga.Step);
        var provider = await ProviderAsync(order);
        Assert.Equal((ProviderPaymentState.Captured, 10m), (provider.State, provider.NetCaptured));
        Assert.Single(await ProviderRecordsAsync(order), r => r.Kind == PaymentOperationKind.Capture);
        Assert.Equal(2, (await checkout.StockAsync(product)).OnHand);
    }

    [Fact]
    public async Task A_void_that_arrives_after_the_provider_captured_ends_Cancelled_and_refunded()
    {
        var product = await checkout.NewProductAsync(3);

        // The provider captures, its answer never comes; the step times out and the saga voids too late.
        var order = await SubmitAsync(SimulatedPaymentProvider.CaptureNeverAnswers, product);

        var saga = (await checkout.FinishedAsync([order], Deadline)).Single();
        Assert.Equal((SagaStep.Cancelled, CancelReason.TimedOut), (saga.Step, saga.Reason));
        var provider = await ProviderAsync(order);
        Assert.Equal((ProviderPaymentState.Refunded, 0m), (provider.State, provider.NetCaptured));
        Assert.Equal(new CheckoutFixture.StockLevel(product, 3, 0, 3), await checkout.StockAsync(product));
    }

    [Fact]
    public async Task A_provider_down_past_the_step_timeout_during_capture_ends_Cancelled_with_nothing_captured()
    {
        var product = await checkout.NewProductAsync(3);
        Guid order;
        try
        {
            // The provider processes the capture, then goes down before answering and stays down.
            order = await SubmitAsync(SimulatedPaymentProvider.DownAfterCapture, product);

            // Down past the step timeout: the saga gives up on the capture and its compensation meets the outage too.
            await Eventually.TrueAsync(async () =>
            {
                await using var db = checkout.Payments();
                return await db.Ledger.AnyAsync(l => l.OrderId == order && l.Kind == PaymentOperationKind.Void && l.Outcome.StartsWith("unavailable"));
            }, "the compensation's void to meet the outage", Deadline);
        }
        finally
        {
            checkout.PaymentProvider().Outage = false;
        }

        var saga = (await checkout.FinishedAsync([order], Deadline)).Single();
        Assert.Equal((SagaStep.Cancelled, CancelReason.TimedOut), (saga.Step, saga.Reason));
        Assert.Equal(0m, (await ProviderAsync(order)).NetCaptured);
        Assert.Equal(new CheckoutFixture.StockLevel(product, 3, 0, 3), await checkout.StockAsync(product));
    }
}
