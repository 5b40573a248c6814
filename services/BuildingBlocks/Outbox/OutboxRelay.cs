using System.Threading.Channels;
using BuildingBlocks.EventBus;
using BuildingBlocks.Locking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BuildingBlocks.Outbox;

/// <summary>
/// Publishes a service's outbox. One replica relays at a time, holding a lease on a distributed lock
/// while it relays, so events leave in commit order; if that replica dies its lease expires and another
/// one carries on, so the relay never stalls. A publish that fails (broker outage) is retried on the
/// next round and holds back only the later events of the same aggregate. A crash between publishing
/// and marking re-publishes on restart: delivery is at least once and consumers deduplicate (inbox).
/// <para>
/// Woken on commit: an idle relay waits on a PostgreSQL LISTEN connection of its own, and a statement
/// trigger on the outbox table NOTIFYs it when rows are inserted. PostgreSQL delivers a notification only
/// when the inserting transaction commits (never for a rollback), once per transaction. A trigger rather
/// than a <c>pg_notify</c> issued by our own SaveChanges: it fires for every insert, whatever code or
/// context makes it, and no service has to register anything. The relay creates it, idempotently, when
/// the listener connects (it needs the table, which the migrator creates first). Without a notification it
/// still scans every <see cref="EventBusOptions.OutboxPollInterval"/> (half a minute: a safety net, so idle
/// stays idle); while the listener is disconnected (database down, connection killed) it scans every
/// <see cref="EventBusOptions.OutboxDisconnectedPollInterval"/> and reconnects with backoff. A round that
/// failed, or found the lease held by another relay, is tried again sooner than the safety scan: after a
/// second, doubling, at most a third of the lease, so events left behind by a broker outage or a dead relay
/// do not wait for the next commit.
/// </para>
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
    private readonly Channel<bool> _wakeUp = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile bool _listening;
    private bool _leaseHeld;
    private DateTimeOffset _renewLeaseAt;
    private TimeSpan? _retryDelay;

    /// <summary>The <c>application_name</c> of the listener's connection (so an operator, or a test, can find it in pg_stat_activity).</summary>
    public const string ListenerApplicationName = "outbox-listener";

    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);

    private string LockName => LockNameOf(_options.ServiceName);

    /// <summary>The distributed lock the relays of <paramref name="serviceName"/>'s outbox take turns on.</summary>
    internal static string LockNameOf(string serviceName) => $"outbox-relay:{serviceName}:{typeof(TContext).Name}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = ListenAsync(stoppingToken);
        try
        {
            await RelayAsync(stoppingToken);
        }
        finally
        {
            await ReleaseLeaseAsync();
            await listener.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RelayAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var settled = false;
            try
            {
                settled = await RunRoundAsync(stoppingToken);
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

            // A round publishes until the outbox is empty: wait for the next commit (one made during the
            // round has already notified) or the next scan. A round that failed, or that another relay's
            // lease kept out, may have left events behind: look again soon, backing off.
            _retryDelay = settled ? null : Shortest(_retryDelay is { } last ? last * 2 : FirstRetryDelay, _options.OutboxLease / 3);
            await WaitForCommitAsync(stoppingToken);
        }
    }

    /// <summary>Waits for a notification of a commit to the outbox, or the poll interval, whichever comes first.</summary>
    private async Task WaitForCommitAsync(CancellationToken stoppingToken)
    {
        var interval = _listening ? _options.OutboxPollInterval : Shortest(_options.OutboxDisconnectedPollInterval, _options.OutboxPollInterval);
        if (_retryDelay is { } retry)
        {
            interval = Shortest(interval, retry);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(interval);
        try
        {
            await _wakeUp.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // The interval passed without a notification: scan anyway.
        }
    }

    /// <summary>
    /// Keeps a LISTEN connection open and turns each notification into a wake-up. Survives anything (a
    /// killed connection, a database that is down or frozen): logs, falls back to polling, reconnects
    /// with backoff. While quiet, a ping every poll interval finds a connection that died silently.
    /// </summary>
    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await OpenListenerAsync(stoppingToken);
                if (connection is null)
                {
                    logger.LogInformation("The outbox of {Context} is not on PostgreSQL: polling every {Interval}",
                        typeof(TContext).Name, _options.OutboxDisconnectedPollInterval);
                    return;
                }

                _listening = true;
                _wakeUp.Writer.TryWrite(true); // catch up with commits made while nobody listened
                if (failures > 0)
                {
                    logger.LogInformation("Outbox listener of {Context} reconnected after {Failures} failures", typeof(TContext).Name, failures);
                }

                (backoff, failures) = (TimeSpan.FromSeconds(1), 0);
                while (true)
                {
                    if (!await connection.WaitAsync(_options.OutboxPollInterval, stoppingToken))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = 10 };
                        await ping.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _listening = false;
                failures++;
                logger.LogWarning(ex, "Outbox listener of {Context} lost its connection; polling every {Interval}, reconnecting in {Backoff}",
                    typeof(TContext).Name, _options.OutboxDisconnectedPollInterval, backoff);
                await Task.Delay(backoff, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxReconnectDelay.Ticks));
            }
            finally
            {
                _listening = false;
            }
        }
    }

    /// <summary>
    /// Opens a connection of its own (not pooled: it lives as long as it works), makes sure the outbox
    /// has its notify trigger, and LISTENs. Null when the context is not on PostgreSQL.
    /// </summary>
    private async Task<NpgsqlConnection?> OpenListenerAsync(CancellationToken cancellationToken)
    {
        string channel, table, schema;
        NpgsqlConnection connection;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            if (db.Database.GetDbConnection() is not NpgsqlConnection template)
            {
                return null;
            }

            var entity = db.Model.FindEntityType(typeof(OutboxMessage))
                ?? throw new InvalidOperationException($"{typeof(TContext).Name} has no outbox: call AddOutboxAndInbox() in OnModelCreating.");
            table = entity.GetTableName()!;
            schema = entity.GetSchema() ?? "public";
            channel = $"{schema}.{table}";
            var settings = new NpgsqlConnectionStringBuilder(template.ConnectionString)
            {
                Pooling = false,
                ApplicationName = ListenerApplicationName,
                KeepAlive = 30,
            };
            connection = template.CloneWith(settings.ConnectionString);
        }

        try
        {
            connection.Notification += (_, _) => _wakeUp.Writer.TryWrite(true);
            await connection.OpenAsync(cancellationToken);
            await EnsureNotifyTriggerAsync(connection, schema, table, cancellationToken);
            await using var listen = new NpgsqlCommand($"LISTEN {Quote(channel)}", connection);
            await listen.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Creates the statement trigger that NOTIFYs the channel "schema.table" on insert, unless it exists.
    /// Replicas may start together: an advisory lock serialises them; a lock timeout keeps the DDL from
    /// queueing behind a long transaction and holding up the service's inserts.
    /// </summary>
    private static async Task EnsureNotifyTriggerAsync(NpgsqlConnection connection, string schema, string table, CancellationToken cancellationToken)
    {
        var qualified = $"{Quote(schema)}.{Quote(table)}";
        await using var exists = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'outbox_notify_insert' AND tgrelid = to_regclass(@table))", connection);
        exists.Parameters.AddWithValue("table", qualified);
        if (await exists.ExecuteScalarAsync(cancellationToken) is true)
        {
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var create = new NpgsqlCommand($"""
            SET LOCAL lock_timeout = '5s';
            SELECT pg_advisory_xact_lock(hashtext('outbox_notify_insert'));
            CREATE OR REPLACE FUNCTION {Quote(schema)}.outbox_notify_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                PERFORM pg_notify(TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, '');
                RETURN NULL;
            END
            $fn$;
            CREATE OR REPLACE TRIGGER outbox_notify_insert AFTER INSERT ON {qualified}
                FOR EACH STATEMENT EXECUTE FUNCTION {Quote(schema)}.outbox_notify_insert();
            """, connection, transaction);
        await create.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static TimeSpan Shortest(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>
    /// One round under the lease: publish until the outbox is empty (as far as this round can tell: a
    /// commit made meanwhile notifies again). The lease is kept between rounds and renewed once a third
    /// of it has passed, so a busy relay spends no lock round trip per commit; it is released when a
    /// round fails or the relay stops, and lapses by itself when the relay goes idle or stalls.
    /// </summary>
    /// <returns>
    /// Whether the round left nothing behind: false when another relay held the lease, when it was lost midway, or
    /// when an event failed to publish.
    /// </returns>
    internal async Task<bool> RunRoundAsync(CancellationToken cancellationToken)
    {
        if (!await HoldLeaseAsync(cancellationToken))
        {
            return false;
        }

        bool settled;
        try
        {
            while (true)
            {
                var (published, failed, remaining) = await PublishBatchAsync(cancellationToken);
                settled = failed == 0 && remaining == 0;
                // After a failure, wait for the next round rather than retry at once.
                if (published == 0 || failed > 0 || remaining == 0 || !await HoldLeaseAsync(cancellationToken))
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
        catch
        {
            await ReleaseLeaseAsync();
            throw;
        }

        return settled;
    }

    /// <returns>True while this relay holds the lease, renewing or taking it when a third of it has passed.</returns>
    private async Task<bool> HoldLeaseAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_leaseHeld && now < _renewLeaseAt)
        {
            return true;
        }

        _leaseHeld = (_leaseHeld && await distributedLock.RenewAsync(LockName, _owner, _options.OutboxLease, cancellationToken))
            || await distributedLock.TryAcquireAsync(LockName, _owner, _options.OutboxLease, cancellationToken);
        _renewLeaseAt = now + _options.OutboxLease / 3;
        return _leaseHeld;
    }

    private async Task ReleaseLeaseAsync()
    {
        if (!_leaseHeld)
        {
            return;
        }

        _leaseHeld = false;
        await distributedLock.ReleaseOrLetLapseAsync(LockName, _owner, logger);
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

        // What is left: a short batch was everything unpublished when it was read, so what it left behind
        // is the backlog (commits since then notify again); only after a full batch is the table counted.
        int backlog;
        DateTimeOffset? oldest;
        if (batch.Count < BatchSize)
        {
            var left = batch.Where(m => !published.Contains(m.Sequence)).ToList();
            (backlog, oldest) = (left.Count, left.Count > 0 ? left.Min(m => m.CreatedAt) : null);
        }
        else
        {
            var state = await outbox.Where(m => m.PublishedAt == null).GroupBy(_ => 1)
                .Select(g => new { Count = g.Count(), Oldest = g.Min(m => (DateTimeOffset?)m.CreatedAt) })
                .SingleOrDefaultAsync(cancellationToken);
            (backlog, oldest) = (state?.Count ?? 0, state?.Oldest);
        }

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
