using System.Diagnostics.Metrics;
using BuildingBlocks.Data;
using BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ordering.Api.Data;
using Ordering.Api.IntegrationEvents.Events;
using Ordering.Api.Model;
using Ordering.Contracts;

namespace Ordering.Api.Orders;

/// <summary>How the stuck-order sweeper runs (configuration section "Ordering:StuckOrders").</summary>
public sealed class StuckOrderOptions
{
    public const string SectionName = "Ordering:StuckOrders";

    /// <summary>How often the sweeper looks.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An order whose status has not moved (nor been nudged) for this long is stuck.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A stuck order placed longer ago than this is no longer re-announced but cancelled.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Orders nudged per sweep at most.</summary>
    public int BatchSize { get; set; } = 100;
}

/// <summary>
/// Drives orders stuck in a non-terminal status (Submitted, StockReserved, Paid) to an end, whatever
/// lost them: an event dead-lettered, a saga that stopped, a status that never arrived. Every
/// <see cref="StuckOrderOptions.Interval"/> it finds orders whose status has not moved for
/// <see cref="StuckOrderOptions.Deadline"/> and re-announces each to the order workflow: a fresh
/// <see cref="OrderSubmitted"/> (new event id, same order id and content) through the outbox, with the
/// order id as partition key, and it moves the order's <c>UpdatedAt</c> so the next sweep waits a whole
/// deadline again. An order placed more than <see cref="StuckOrderOptions.GiveUpAfter"/> ago gets
/// <see cref="OrderCancelRequested"/> as well (the saga's cancel path: compensate, end Cancelled) and an
/// error in the log. Each nudge is logged and counted (<c>ordering.stuck_orders.nudged</c>, tagged with
/// the action and the status it was stuck in).
/// <para>
/// The workflow's side of the contract: an <see cref="OrderSubmitted"/> for an order whose saga exists
/// starts nothing new; a running saga is nudged to run now and a finished one re-emits its final status
/// (<c>workflow.order-status-changed</c>), which Ordering applies as any other (statuses only move
/// forward). An order whose saga never started (its first OrderSubmitted was lost) starts it now, with
/// any cancellation that came first pending.
/// </para>
/// <para>
/// Replicas may sweep together: a nudge is one transaction that moves <c>UpdatedAt</c> only if it is
/// still what the sweep read, so a replica that loses the race adds nothing. Survives any failure (the
/// database down or frozen): logs it and tries again next interval.
/// </para>
/// </summary>
public sealed class StuckOrderSweeper(
    IServiceScopeFactory scopes,
    IOptions<StuckOrderOptions> options,
    IMeterFactory meters,
    TimeProvider clock,
    ILogger<StuckOrderSweeper> logger) : BackgroundService
{
    public const string MeterName = "Ecommerce.Ordering";

    /// <summary>The statuses after which nothing more happens to an order.</summary>
    private static readonly OrderStatus[] TerminalStatuses = [OrderStatus.Cancelled, OrderStatus.Confirmed];

    private readonly StuckOrderOptions _options = options.Value;
    private readonly Counter<long> _nudged = meters.Create(MeterName)
        .CreateCounter<long>("ordering.stuck_orders.nudged", description: "Stuck orders re-announced to the workflow, or cancelled after the give-up age.");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Stuck-order sweep failed; trying again in {Interval}", _options.Interval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <returns>Orders nudged.</returns>
    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        List<Order> stuck;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OrderingContext>();
            stuck = await StuckQuery(db, now - _options.Deadline, _options.BatchSize).ToListAsync(cancellationToken);
        }

        var nudged = 0;
        foreach (var order in stuck)
        {
            // One order's trouble (a conflict, a bad row) must not stop the others' nudges.
            try
            {
                if (await NudgeAsync(order, now, cancellationToken))
                {
                    nudged++;
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Could not nudge stuck order {OrderId}", order.Id);
            }
        }

        return nudged;
    }

    /// <summary>
    /// Unfinished orders not moved since <paramref name="cutoff"/>, oldest first, through the partial index
    /// ix_orders_unfinished: a sweep reads the few unfinished orders, not every order the shop ever took.
    /// </summary>
    internal static IQueryable<Order> StuckQuery(OrderingContext db, DateTimeOffset cutoff, int max) => db.Orders.AsNoTracking()
        .Where(o => !TerminalStatuses.Contains(o.Status) && o.UpdatedAt < cutoff)
        .OrderBy(o => o.UpdatedAt)
        .Take(max);

    private async Task<bool> NudgeAsync(Order order, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var giveUp = now - order.CreatedAt >= _options.GiveUpAfter;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrderingContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<IntegrationEventOutbox<OrderingContext>>();

        var done = await db.InTransactionAsync(async token =>
        {
            // Only if nobody moved it since we read it: the status changed, or another replica nudged it.
            var claimed = await db.Orders
                .Where(o => o.Id == order.Id && o.UpdatedAt == order.UpdatedAt && !TerminalStatuses.Contains(o.Status))
                .ExecuteUpdateAsync(set => set.SetProperty(o => o.UpdatedAt, now), token);
            if (claimed == 0)
            {
                return false;
            }

            if (giveUp)
            {
                outbox.Add(new OrderCancelRequested(order.Id), order.Id.ToString());
            }

            // A new event id, so no consumer takes it for a redelivery. Also after the cancellation: an order
            // whose first OrderSubmitted was lost has no saga, and only this starts one (cancellation pending).
            outbox.Add(OrderSubmitted.From(order, await BasketVersionAsync(db, order.Id, token)), order.Id.ToString());

            await db.SaveChangesAsync(token);
            return true;
        }, cancellationToken);

        if (!done)
        {
            return false;
        }

        var action = giveUp ? "cancel_requested" : "resubmitted";
        _nudged.Add(1, new KeyValuePair<string, object?>("action", action), new KeyValuePair<string, object?>("status", order.Status.ToString()));
        if (giveUp)
        {
            logger.LogError("Order {OrderId} is still {Status} {Age} after it was placed: requested its cancellation",
                order.Id, order.Status, now - order.CreatedAt);
        }
        else
        {
            logger.LogWarning("Order {OrderId} stuck in {Status} since {UpdatedAt}: re-announced it to the workflow (OrderSubmitted)",
                order.Id, order.Status, order.UpdatedAt);
        }

        return true;
    }

    /// <summary>The basket version the order consumed, so Basket empties that basket and no later one.</summary>
    private static Task<long> BasketVersionAsync(OrderingContext db, Guid orderId, CancellationToken cancellationToken) =>
        db.BasketCheckouts.AsNoTracking().Where(c => c.OrderId == orderId).Select(c => c.BasketVersion).SingleOrDefaultAsync(cancellationToken);
}
