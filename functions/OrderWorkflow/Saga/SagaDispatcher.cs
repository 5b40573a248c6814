using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrderWorkflow.Saga;

/// <summary>
/// Runs sagas in the background as soon as something happens to them (submitted, cancel asked), so
/// the event that caused it is acknowledged at once instead of waiting for a whole checkout. Nothing
/// depends on this queue for safety: state is in the database, and the AdvanceSagas timer resumes
/// any saga whose run was lost with its process.
/// </summary>
public sealed class SagaDispatcher(IServiceScopeFactory scopes, ILogger<SagaDispatcher> logger) : BackgroundService
{
    private const int Concurrency = 16;
    private readonly Channel<Guid> _due = Channel.CreateUnbounded<Guid>();

    public void Run(Guid orderId) => _due.Writer.TryWrite(orderId);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Parallel.ForEachAsync(_due.Reader.ReadAllAsync(stoppingToken),
            new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = stoppingToken },
            async (orderId, token) =>
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<SagaRunner>().RunAsync(orderId, token);
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    // The saga's state is saved; the timer picks it up again.
                    logger.LogWarning(ex, "Running the saga of order {OrderId} failed; the timer will resume it", orderId);
                }
            });
}
