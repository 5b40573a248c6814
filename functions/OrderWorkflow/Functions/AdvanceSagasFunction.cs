using Microsoft.Azure.Functions.Worker;
using OrderWorkflow.Saga;

namespace OrderWorkflow.Functions;

/// <summary>
/// Resumes sagas that are due: retries after a transient failure, and sagas whose runner died (its
/// lease ran out). Fires on every replica; runners claim sagas with a lease, so none runs twice.
/// </summary>
public sealed class AdvanceSagasFunction(SagaRunner runner)
{
    [Function("AdvanceSagas")]
    public Task Run([TimerTrigger("%WorkflowSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        runner.RunDueAsync(max: 200, cancellationToken);
}
