using Microsoft.Extensions.Hosting;
using OrderWorkflow.Saga;

namespace OrderWorkflow.Tests;

/// <summary>How the saga's step clients classify a call that did not go through: retried later, or refused for good.</summary>
public class StepCallsTests
{
    [Fact]
    public async Task A_service_token_Identity_could_not_give_is_a_step_to_retry_not_a_refusal()
    {
        // What ServiceTokenHandler throws while Identity is frozen or failing. Taken as a refusal, it would have
        // cancelled the order as Failed instead of trying the step again once Identity answers.
        using var http = new HttpClient(new FailingHandler(new DependencyUnavailableException("identity")))
        {
            BaseAddress = new Uri("http://inventory.test"),
        };

        var error = await Assert.ThrowsAsync<TransientStepException>(
            () => new InventoryClient(http).ReserveAsync(Guid.NewGuid(), [new SagaLine(1, 1, 10m)], CancellationToken.None));

        Assert.IsType<DependencyUnavailableException>(error.InnerException);
    }

    private sealed class FailingHandler(Exception error) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromException<HttpResponseMessage>(error);
    }
}
