using Microsoft.Azure.Functions.Worker;
using OrderWorkflow.Saga;

namespace OrderWorkflow.Functions;

/// <summary>
/// Resumes sagas that are due and that no process has in hand: retries whose in-process timer was lost
/// with its process, and sagas whose runner died or stalled (its lease ran out). Fires on every
/// replica; runners claim sagas with a lease, so none runs twice. Runs them concurrently, bounded.
/// </summary>
public sealed class AdvanceSagasFunction(SagaRunner runner, SagaDispatcher dispatcher)
{
    [Function("AdvanceSagas")]
    public async Task Run([TimerTrigger("%WorkflowSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        await dispatcher.RunAllAsync(await runner.DueAsync(max: 200, cancellationToken), cancellationToken);
}
