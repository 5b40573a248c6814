using BuildingBlocks.EventBus;
using BuildingBlocks.Locking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BuildingBlocks.Outbox;

/// <summary>
/// Publishes a service's outbox. One replica relays at a time, holding a lease on a distributed lock
/// for each round, so events leave in commit order; if that replica dies its lease expires and another
/// one carries on, so the relay never stalls. A publish that fails (broker outage) is retried on the
/// next round and holds back only the later events of the same aggregate. A crash between publishing
/// and marking re-publishes on restart: delivery is at least once and consumers deduplicate (inbox).
/// </summary>
public sealed class OutboxRelay<TContext>(
    IServiceScopeFactory scopes,
    IEventPublisher publisher,
    IDistributedLock distributedLock,
    EventBusMetrics metrics,
    IOptions<EventBusOptions> options,
    TimeProvider clock,
    ILogger<OutboxRelay<TContext>> logger) : BackgroundService
    where TContext : DbContext
{
    private const int BatchSize = 200;
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);
    private readonly EventBusOptions _options = options.Value;
    private readonly string _owner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    private string LockName => $"outbox-relay:{_options.ServiceName}:{typeof(TContext).Name}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var published = 0;
            try
            {
                published = await RunRoundAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Database or lock store unavailable: nothing is lost, the rows wait in the outbox.
                logger.LogWarning(ex, "Outbox relay round failed; retrying");
            }

            if (published == 0)
            {
                await Task.Delay(_options.OutboxPollInterval, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>One round under the lease: publish until the outbox is empty or half the lease is used.</summary>
    /// <returns>Events published.</returns>
    internal async Task<int> RunRoundAsync(CancellationToken cancellationToken)
    {
        if (!await distributedLock.TryAcquireAsync(LockName, _owner, _options.OutboxLease, cancellationToken))
        {
            return 0;
        }

        var total = 0;
        try
        {
            var deadline = clock.GetUtcNow() + _options.OutboxLease / 2;
            while (clock.GetUtcNow() < deadline)
            {
                var (published, failed, remaining) = await PublishBatchAsync(cancellationToken);
                total += published;
                // After a failure, wait for the next round rather than retry at once.
                if (published == 0 || failed > 0 || remaining == 0)
                {
                    break;
                }
            }

            if (clock.GetUtcNow() >= _nextPrune)
            {
                await PruneAsync(cancellationToken);
                _nextPrune = clock.GetUtcNow() + TimeSpan.FromMinutes(1);
            }
        }
        finally
        {
            await distributedLock.ReleaseAsync(LockName, _owner, CancellationToken.None);
        }

        return total;
    }

    private async Task<(int Published, int Failed, int Remaining)> PublishBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var outbox = db.Set<OutboxMessage>();

        var batch = await outbox.AsNoTracking()
            .Where(m => m.PublishedAt == null)
            .OrderBy(m => m.Sequence)
            .Take(BatchSize)
            .ToListAsync(cancellationToken);

        // Aggregates are published concurrently, each one's events in commit order; a failure holds
        // back that aggregate's later events (publishing them now would reorder them) and no others.
        var published = new System.Collections.Concurrent.ConcurrentBag<long>();
        var failures = new System.Collections.Concurrent.ConcurrentBag<(long Sequence, string Error)>();
        await Parallel.ForEachAsync(
            batch.GroupBy(m => m.PartitionKey ?? $"#{m.Sequence}"),
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken },
            async (aggregate, token) =>
            {
                foreach (var message in aggregate)
                {
                    try
                    {
                        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                        timeout.CancelAfter(PublishTimeout);
                        await publisher.PublishAsync(EventBus.CloudEvent.FromJson(message.CloudEvent), timeout.Token);
                        published.Add(message.Sequence);
                    }
                    catch (Exception ex) when (!token.IsCancellationRequested)
                    {
                        failures.Add((message.Sequence, $"{ex.GetType().Name}: {ex.Message}"));
                        logger.LogWarning("Publishing outbox event {EventId} ({Topic}) failed: {Error}", message.EventId, message.Topic, ex.Message);
                        return;
                    }
                }
            });

        foreach (var (sequence, error) in failures)
        {
            await outbox.Where(m => m.Sequence == sequence).ExecuteUpdateAsync(set => set
                .SetProperty(m => m.Attempts, m => m.Attempts + 1)
                .SetProperty(m => m.LastError, error[..Math.Min(error.Length, 2000)]), cancellationToken);
        }

        if (published.Count > 0)
        {
            var now = clock.GetUtcNow();
            var sequences = published.ToArray();
            await outbox.Where(m => sequences.Contains(m.Sequence))
                .ExecuteUpdateAsync(set => set.SetProperty(m => m.PublishedAt, now), cancellationToken);
        }

        var backlog = await outbox.Where(m => m.PublishedAt == null).CountAsync(cancellationToken);
        var oldest = await outbox.Where(m => m.PublishedAt == null).MinAsync(m => (DateTimeOffset?)m.CreatedAt, cancellationToken);
        metrics.OutboxState(backlog, oldest is { } created ? clock.GetUtcNow() - created : TimeSpan.Zero);

        return (published.Count, failures.Count, backlog);
    }

    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var before = clock.GetUtcNow() - _options.OutboxRetention;
        var pruned = await db.Set<OutboxMessage>().Where(m => m.PublishedAt != null && m.PublishedAt < before)
            .ExecuteDeleteAsync(cancellationToken);
        if (pruned > 0)
        {
            logger.LogInformation("Pruned {Count} published outbox events older than {Retention}", pruned, _options.OutboxRetention);
        }
    }
}
