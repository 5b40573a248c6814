using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Payment.Data;
using Payment.Payments;

namespace Payment.Tests;

/// <summary>
/// The service records what the provider actually did, not what it asked for: lost answers, a void
/// that loses the race to a capture, a refund the provider refuses, an outage.
/// </summary>
public sealed class ProviderAnswerFaultTests(PaymentFixture payment) : IClassFixture<PaymentFixture>
{
    private Task<PaymentResult> Authorize(Guid order, string token, decimal amount = 30m) =>
        payment.WithPaymentsAsync(p => p.AuthorizeAsync(order, amount, token, capture: false, default));

    private Task<PaymentResult> Capture(Guid order) => payment.WithPaymentsAsync(p => p.CaptureAsync(order, default));

    private Task<PaymentResult> Void(Guid order) => payment.WithPaymentsAsync(p => p.VoidAsync(order, default));

    private Task<PaymentResult> Refund(Guid order) => payment.WithPaymentsAsync(p => p.RefundAsync(order, default));

    private async Task<PaymentStatus?> StatusAsync(Guid order) => (await payment.WithPaymentsAsync(p => p.GetAsync(order, default)))?.Status;

    [Fact]
    public async Task A_capture_whose_first_answers_are_lost_is_captured_once_and_recorded_captured()
    {
        var order = Guid.NewGuid();
        await Authorize(order, SimulatedPaymentProvider.CaptureAnswerLost);

        var captured = await Capture(order);

        Assert.Equal(PaymentOutcome.Captured, captured.Outcome);
        Assert.Equal(PaymentStatus.Captured, await StatusAsync(order));
        var provider = await payment.ProviderPaymentAsync(order);
        Assert.Equal((ProviderPaymentState.Captured, 30m), (provider!.State, provider.NetCaptured));
        Assert.Single(await payment.ProviderRecordsAsync(order), r => r.Kind == PaymentOperationKind.Capture);
    }

    [Fact]
    public async Task Authorize_with_capture_charges_once_in_one_call_however_often_it_is_sent()
    {
        var order = Guid.NewGuid();

        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            payment.WithPaymentsAsync(p => p.AuthorizeAsync(order, 30m, SimulatedPaymentProvider.CaptureAnswerLost, capture: true, default))));

        Assert.All(answers, a => Assert.Equal((PaymentOutcome.Captured, PaymentStatus.Captured), (a.Outcome, a.Status)));
        Assert.Equal(PaymentStatus.Captured, await StatusAsync(order));
        var records = await payment.ProviderRecordsAsync(order);
        Assert.Single(records, r => r.Kind == PaymentOperationKind.Authorize);
        Assert.Single(records, r => r.Kind == PaymentOperationKind.Capture);
        Assert.Equal((ProviderPaymentState.Captured, 30m), ((await payment.ProviderPaymentAsync(order))!.State, (await payment.ProviderPaymentAsync(order))!.NetCaptured));
    }

    [Fact]
    public async Task Authorize_with_capture_whose_capture_never_answers_answers_authorized_and_the_void_finds_it_captured()
    {
        var order = Guid.NewGuid();

        var answer = await payment.WithPaymentsAsync(p => p.AuthorizeAsync(order, 30m, SimulatedPaymentProvider.CaptureNeverAnswers, capture: true, default));

        // Not Captured: the caller was not told the capture happened, so it goes on as after an authorization.
        Assert.Equal((PaymentOutcome.Authorized, PaymentStatus.Authorized), (answer.Outcome, answer.Status));
        var voided = await Void(order);
        Assert.Equal((PaymentOutcome.Rejected, PaymentStatus.Captured), (voided.Outcome, voided.Status));
    }

    [Fact]
    public async Task A_void_that_arrives_after_the_provider_captured_is_recorded_captured_and_the_refund_returns_the_money()
    {
        var order = Guid.NewGuid();
        await Authorize(order, SimulatedPaymentProvider.CaptureNeverAnswers);
        Assert.Equal(PaymentOutcome.Unavailable, (await Capture(order)).Outcome); // captured on the provider; the answer never came

        var voided = await Void(order);

        Assert.Equal((PaymentOutcome.Rejected, PaymentStatus.Captured), (voided.Outcome, voided.Status));
        Assert.Equal(PaymentStatus.Captured, await StatusAsync(order));
        var refunded = await Refund(order);
        Assert.Equal((PaymentOutcome.Refunded, PaymentStatus.Refunded), (refunded.Outcome, refunded.Status));
        var provider = await payment.ProviderPaymentAsync(order);
        Assert.Equal((ProviderPaymentState.Refunded, 0m), (provider!.State, provider.NetCaptured));
        var ledger = await payment.WithPaymentsAsync(p => p.LedgerAsync(order, default));
        Assert.Contains(ledger, line => line.Kind == PaymentOperationKind.Void && line.Outcome.StartsWith("declined"));
    }

    [Fact]
    public async Task A_capture_and_a_void_sent_together_end_as_the_provider_decided()
    {
        for (var i = 0; i < 10; i++)
        {
            var order = Guid.NewGuid();
            await Authorize(order, SimulatedPaymentProvider.Approve);

            var answers = await Task.WhenAll(Capture(order), Void(order));

            var provider = await payment.ProviderPaymentAsync(order);
            var status = await StatusAsync(order);
            Assert.Equal(provider!.State.ToString(), status.ToString());
            // Exactly one of them happened, and each answer says what the payment is now.
            Assert.True(answers[0].Outcome == PaymentOutcome.Captured ^ answers[1].Outcome == PaymentOutcome.Voided,
                $"capture {answers[0].Outcome}, void {answers[1].Outcome}, provider {provider.State}");
            Assert.All(answers, a => Assert.Equal(status, a.Status));
            Assert.Equal(status == PaymentStatus.Captured ? 30m : 0m, provider.NetCaptured);
        }
    }

    [Fact]
    public async Task A_refund_the_provider_refuses_does_not_mark_the_payment_refunded()
    {
        var order = Guid.NewGuid();
        await Authorize(order, SimulatedPaymentProvider.Approve);
        await MarkCapturedWithoutTheProviderAsync(order);

        var refund = await Refund(order); // the provider only authorized: it has nothing to refund

        Assert.NotEqual(PaymentOutcome.Refunded, refund.Outcome);
        Assert.NotEqual(PaymentStatus.Refunded, await StatusAsync(order));
        Assert.Equal(ProviderPaymentState.Authorized, (await payment.ProviderPaymentAsync(order))!.State);
        var ledger = await payment.WithPaymentsAsync(p => p.LedgerAsync(order, default));
        Assert.Contains(ledger, line => line.Kind == PaymentOperationKind.Refund && line.Outcome.StartsWith("declined"));
    }

    [Fact]
    public async Task The_outage_switch_in_configuration_makes_the_provider_unavailable_until_it_is_turned_off()
    {
        var order = Guid.NewGuid();
        await Authorize(order, SimulatedPaymentProvider.Approve);

        payment.Reconfigure("PaymentProvider:Outage", "true");
        PaymentResult during;
        try
        {
            during = await Capture(order);
        }
        finally
        {
            payment.Reconfigure("PaymentProvider:Outage", "false");
        }

        Assert.Equal(PaymentOutcome.Unavailable, during.Outcome);
        Assert.Equal(ProviderPaymentState.Authorized, (await payment.ProviderPaymentAsync(order))!.State);
        Assert.Equal(PaymentOutcome.Captured, (await Capture(order)).Outcome);
        Assert.Equal(30m, (await payment.ProviderPaymentAsync(order))!.NetCaptured);
    }

    /// <summary>Our record says Captured while the provider only authorized (a record gone wrong).</summary>
    private async Task MarkCapturedWithoutTheProviderAsync(Guid order)
    {
        await using var scope = payment.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentContext>();
        await db.Payments.Where(p => p.OrderId == order).ExecuteUpdateAsync(set => set.SetProperty(p => p.Status, PaymentStatus.Captured));
    }
}
