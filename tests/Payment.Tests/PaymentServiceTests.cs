using Payment.Payments;

namespace Payment.Tests;

/// <summary>The payment service against the simulated provider, on a real PostgreSQL.</summary>
public sealed class PaymentServiceTests(PaymentFixture payment) : IClassFixture<PaymentFixture>
{
    private Task<PaymentResult> Authorize(Guid order, string token, decimal amount = 42.50m) =>
        payment.WithPaymentsAsync(p => p.AuthorizeAsync(order, amount, token, capture: false, default));

    [Fact]
    public async Task An_approved_authorization_is_captured_once_however_often_capture_is_sent()
    {
        var order = Guid.NewGuid();

        Assert.Equal(PaymentOutcome.Authorized, (await Authorize(order, SimulatedPaymentProvider.Approve)).Outcome);
        var captures = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => payment.WithPaymentsAsync(p => p.CaptureAsync(order, default))));

        Assert.All(captures, c => Assert.Equal(PaymentOutcome.Captured, c.Outcome));
        var records = await payment.ProviderRecordsAsync(order);
        Assert.Single(records, r => r.Kind == PaymentOperationKind.Capture);
        Assert.Equal(42.50m, records.Single(r => r.Kind == PaymentOperationKind.Capture).Amount);
    }

    [Fact]
    public async Task A_declined_card_is_recorded_and_cannot_be_captured()
    {
        var order = Guid.NewGuid();

        var result = await Authorize(order, SimulatedPaymentProvider.Decline);

        Assert.Equal(PaymentOutcome.Declined, result.Outcome);
        Assert.Equal(PaymentOutcome.Rejected, (await payment.WithPaymentsAsync(p => p.CaptureAsync(order, default))).Outcome);
        Assert.DoesNotContain(await payment.ProviderRecordsAsync(order), r => r.Kind == PaymentOperationKind.Capture);
        var ledger = await payment.WithPaymentsAsync(p => p.LedgerAsync(order, default));
        Assert.Contains(ledger, line => line.Kind == PaymentOperationKind.Authorize && line.Outcome.StartsWith("declined"));
    }

    [Fact]
    public async Task A_flaky_provider_is_retried_with_one_key_and_charges_exactly_once()
    {
        for (var i = 0; i < 10; i++)
        {
            var order = Guid.NewGuid();

            var authorized = await Authorize(order, SimulatedPaymentProvider.Flaky);
            var captured = await payment.WithPaymentsAsync(p => p.CaptureAsync(order, default));

            Assert.Equal(PaymentOutcome.Authorized, authorized.Outcome);
            Assert.Equal(PaymentOutcome.Captured, captured.Outcome);
            var records = await payment.ProviderRecordsAsync(order);
            Assert.Single(records, r => r.Kind == PaymentOperationKind.Authorize);
            Assert.Single(records, r => r.Kind == PaymentOperationKind.Capture);
        }
    }

    [Fact]
    public async Task A_provider_that_never_answers_is_reported_unavailable_and_the_void_cancels_its_hidden_authorization()
    {
        var order = Guid.NewGuid();

        var result = await Authorize(order, SimulatedPaymentProvider.NeverAnswers);
        var voided = await payment.WithPaymentsAsync(p => p.VoidAsync(order, default));

        Assert.Equal(PaymentOutcome.Unavailable, result.Outcome);
        Assert.Equal(PaymentOutcome.Voided, voided.Outcome);
        var records = await payment.ProviderRecordsAsync(order);
        Assert.Single(records, r => r.Kind == PaymentOperationKind.Authorize); // it did happen on the provider's side
        Assert.Single(records, r => r.Kind == PaymentOperationKind.Void);
        Assert.DoesNotContain(records, r => r.Kind == PaymentOperationKind.Capture);
    }

    [Fact]
    public async Task The_same_authorization_sent_concurrently_charges_once()
    {
        var order = Guid.NewGuid();

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Authorize(order, SimulatedPaymentProvider.Approve)));

        Assert.All(results, r => Assert.Equal(PaymentOutcome.Authorized, r.Outcome));
        Assert.Single(await payment.ProviderRecordsAsync(order), r => r.Kind == PaymentOperationKind.Authorize);
    }

    [Fact]
    public async Task A_captured_payment_is_refunded_once_and_cannot_be_voided()
    {
        var order = Guid.NewGuid();
        await Authorize(order, SimulatedPaymentProvider.Approve);
        await payment.WithPaymentsAsync(p => p.CaptureAsync(order, default));

        Assert.Equal(PaymentOutcome.Rejected, (await payment.WithPaymentsAsync(p => p.VoidAsync(order, default))).Outcome);
        Assert.Equal(PaymentOutcome.Refunded, (await payment.WithPaymentsAsync(p => p.RefundAsync(order, default))).Outcome);
        Assert.Equal(PaymentOutcome.Refunded, (await payment.WithPaymentsAsync(p => p.RefundAsync(order, default))).Outcome);
        Assert.Single(await payment.ProviderRecordsAsync(order), r => r.Kind == PaymentOperationKind.Refund);
    }
}
