using System.Diagnostics.Metrics;
using BuildingBlocks.EventBus;
using BuildingBlocks.Locking;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BuildingBlocks.Redis;

/// <summary>
/// Replays this service's dead letters on a schedule (<see cref="EventBusOptions.DeadLetterReplayInterval"/>,
/// minutes: a dead letter has already been through the whole retry schedule), so that messages that failed
/// while a dependency was down are delivered once it is back, without anyone asking. One replica per
/// service replays at a time (a distributed lock). A letter replayed
/// <see cref="EventBusOptions.MaxDeadLetterReplays"/> times without success is left for a human. Each
/// round logs and counts what it did (<c>eventbus.deadletters.replayed</c>, tagged with the outcome).
/// </summary>
internal sealed class RedisDeadLetterReplayer(
    RedisDeadLetters deadLetters,
    EventSubscriptions subscriptions,
    IDistributedLock distributedLock,
    IMeterFactory meters,
    IOptions<EventBusOptions> options,
    ILogger<RedisDeadLetterReplayer> logger) : BackgroundService
{
    private readonly EventBusOptions _options = options.Value;
    private readonly string _owner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
    private readonly Counter<long> _replayed = meters.Create(EventBusTelemetry.Name)
        .CreateCounter<long>("eventbus.deadletters.replayed", description: "Dead letters replayed automatically, by outcome.");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (subscriptions.All.Count == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.DeadLetterReplayInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RunRoundAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Redis down or stalled (RedisTimeoutException is a TimeoutException), a handler's
                    // surprise, anything: the letters stay where they are; the next round tries again.
                    logger.LogWarning(ex, "Dead-letter replay round failed; trying again in {Interval}", _options.DeadLetterReplayInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        var lockName = $"deadletter-replay:{_options.ServiceName}";
        // The lease outlives a round; released at the end, so it only matters if this replica dies mid-round.
        if (!await distributedLock.TryAcquireAsync(lockName, _owner, _options.DeadLetterReplayInterval, cancellationToken))
        {
            return;
        }

        try
        {
            foreach (var subscription in subscriptions.All)
            {
                var result = await deadLetters.ReplayAsync(subscription.Topic, _options.MaxDeadLetterReplays, cancellationToken);
                Count(subscription.Topic, "delivered", result.Replayed);
                Count(subscription.Topic, "failed", result.Failed);
                Count(subscription.Topic, "left_for_human", result.LeftForHuman);
            }
        }
        finally
        {
            await distributedLock.ReleaseOrLetLapseAsync(lockName, _owner, logger);
        }
    }

    private void Count(string topic, string outcome, int count)
    {
        if (count > 0)
        {
            _replayed.Add(count, new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }
}
