using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrderWorkflow.Saga;

/// <summary>
/// Runs sagas in the background, a bounded number at a time, as soon as something happens to them
/// (submitted, cancel asked, a retry falls due), so the event that caused it is acknowledged at once
/// instead of waiting for a whole checkout. Nothing depends on this process's memory for safety:
/// state is in the database, and the AdvanceSagas timer resumes any saga whose run was lost.
/// Each run is a span in the trace of what asked for it (the checkout's, through its event; the run
/// before a retry; the timer's invocation), so the saga's calls to Inventory, Payment and Ordering are
/// traced with the order.
/// </summary>
public sealed class SagaDispatcher(IServiceScopeFactory scopes, TimeProvider clock, ILogger<SagaDispatcher> logger) : BackgroundService
{
    private const int Concurrency = 16;

    /// <summary>Named as the app, which ServiceDefaults' tracing listens to.</summary>
    private static readonly ActivitySource Telemetry = new(typeof(SagaDispatcher).Assembly.GetName().Name!);

    private readonly Channel<(Guid OrderId, ActivityContext Cause)> _due = Channel.CreateUnbounded<(Guid, ActivityContext)>();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Runs the saga as soon as a slot is free.</summary>
    public void Run(Guid orderId) => Enqueue(orderId, CurrentCause);

    /// <summary>Runs the saga when its retry falls due (in this process; the timer covers a process that dies before).</summary>
    public void RunAt(Guid orderId, DateTimeOffset at)
    {
        var delay = at - clock.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            Run(orderId);
            return;
        }

        var cause = CurrentCause;
        _ = Task.Delay(delay, clock, _stopping.Token).ContinueWith(
            _ => Enqueue(orderId, cause), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>Runs the given sagas, a bounded number at a time, and returns when all have run as far as they can.</summary>
    public Task RunAllAsync(IEnumerable<Guid> orderIds, CancellationToken cancellationToken)
    {
        var cause = CurrentCause;
        return Parallel.ForEachAsync(orderIds.Select(id => (id, cause)),
            new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
            RunOneAsync);
    }

    // Taken where the run is asked for: the queue's reader runs outside any trace.
    private static ActivityContext CurrentCause => Activity.Current?.Context ?? default;

    private void Enqueue(Guid orderId, ActivityContext cause) => _due.Writer.TryWrite((orderId, cause));

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Parallel.ForEachAsync(_due.Reader.ReadAllAsync(stoppingToken),
            new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = stoppingToken },
            RunOneAsync);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _stopping.Dispose();
        base.Dispose();
    }

    private async ValueTask RunOneAsync((Guid OrderId, ActivityContext Cause) due, CancellationToken token)
    {
        var orderId = due.OrderId;
        using var activity = Telemetry.StartActivity("order saga run", ActivityKind.Internal, due.Cause);
        activity?.SetTag("order.id", orderId);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<SagaRunner>().RunAsync(orderId, token);
        }
        catch (Exception ex) when (!token.IsCancellationRequested)
        {
            // The saga's state is saved; the timer picks it up again once its lease runs out.
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            logger.LogWarning(ex, "Running the saga of order {OrderId} failed; the timer will resume it", orderId);
        }
    }
}
