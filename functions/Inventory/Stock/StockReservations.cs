using BuildingBlocks.Data;
using BuildingBlocks.Outbox;
using Inventory.Data;
using Inventory.IntegrationEvents.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Inventory.Stock;

/// <summary>How a reserve request ended.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ReserveResult>))]
public enum ReserveResult
{
    /// <summary>Every line is held for the order (now, or by an earlier identical request).</summary>
    Reserved,

    /// <summary>At least one line could not be held; nothing is held for the order.</summary>
    OutOfStock,

    /// <summary>The order's reservation was already released or returned: it cannot be reserved again.</summary>
    Closed,

    /// <summary>
    /// The order's reservation was already committed: its units are its own for good. What a repeated
    /// reserve finds when the saga that committed it runs its steps again (it stopped before it saved).
    /// </summary>
    Committed,
}

public sealed record ReserveOutcome(ReserveResult Result, int? UnavailableProductId = null);

/// <summary>Stock levels as the API shows them.</summary>
public sealed record StockLevel(int ProductId, int OnHand, int Reserved, int Available);

/// <summary>A stock row as a change left it.</summary>
internal sealed record StockChange(int OnHand, int Reserved, long Version);

public sealed class InventoryOptions
{
    public const string SectionName = "Inventory";

    /// <summary>How long an order may hold stock before it is confirmed.</summary>
    public TimeSpan ReservationTtl { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Reservations of stock for orders. Available stock can never go negative: a line is held by one
/// conditional UPDATE (<c>on_hand - reserved &gt;= quantity</c>) that PostgreSQL re-checks on the locked
/// row, all lines of an order in one transaction (all or none, in product order so that two orders
/// never deadlock), and a CHECK constraint refuses anything else. Every operation is idempotent per
/// order, so the saga can retry any step.
/// </summary>
public sealed class StockReservations(
    InventoryContext db,
    IntegrationEventOutbox<InventoryContext> outbox,
    IOptions<InventoryOptions> options,
    TimeProvider clock)
{
    public async Task<StockLevel?> GetAsync(int productId, CancellationToken cancellationToken) =>
        await db.Stock.AsNoTracking().Where(s => s.ProductId == productId)
            .Select(s => new StockLevel(s.ProductId, s.OnHand, s.Reserved, s.OnHand - s.Reserved))
            .SingleOrDefaultAsync(cancellationToken);

    /// <summary>Sets the units on hand; null when fewer than are already reserved (they would be oversold).</summary>
    public Task<StockLevel?> SetOnHandAsync(int productId, int onHand, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async token =>
        {
            var updated = await db.Database.SqlQuery<StockChange>($"""
                INSERT INTO stock (product_id, on_hand, reserved, version) VALUES ({productId}, {onHand}, 0, 1)
                ON CONFLICT (product_id) DO UPDATE SET on_hand = EXCLUDED.on_hand, version = stock.version + 1
                WHERE stock.reserved <= EXCLUDED.on_hand
                RETURNING on_hand AS "OnHand", reserved AS "Reserved", version AS "Version"
                """).ToListAsync(token);
            if (updated.Count == 0)
            {
                return null;
            }

            var (setOnHand, reserved, version) = updated[0];
            outbox.Add(new StockChanged(productId, setOnHand - reserved, version), productId.ToString());
            await db.SaveChangesAsync(token);
            return new StockLevel(productId, setOnHand, reserved, setOnHand - reserved);
        }, cancellationToken);

    /// <summary>Records a new product with nothing on hand; a product already recorded keeps its stock.</summary>
    public async Task RecordProductAsync(int productId, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO stock (product_id, on_hand, reserved) VALUES ({productId}, 0, 0) ON CONFLICT (product_id) DO NOTHING",
            cancellationToken);

    public async Task<ReserveOutcome> ReserveAsync(Guid orderId, IReadOnlyCollection<ReservationLine> lines, CancellationToken cancellationToken)
    {
        // The same product twice in one order is one hold of the total.
        var merged = lines.GroupBy(l => l.ProductId)
            .Select(g => new ReservationLine(g.Key, g.Sum(l => l.Quantity)))
            .OrderBy(l => l.ProductId)
            .ToArray();
        if (merged.Length == 0 || merged.Any(l => l.Quantity <= 0))
        {
            throw new ArgumentException("An order reserves at least one line, each of a positive quantity.", nameof(lines));
        }

        try
        {
            // No look for an earlier reserve of the order first: a repeat is rare (a saga's retry), and the
            // reservations' key refuses its second hold at the save, below, or it finds the units held.
            return await db.InTransactionAsync(async token =>
            {
                var now = clock.GetUtcNow();
                var expiresAt = now + options.Value.ReservationTtl;
                foreach (var line in merged)
                {
                    if (!await ChangeStockAsync(line.ProductId, reservedChange: line.Quantity, onHandChange: 0, minimumAvailable: line.Quantity, token))
                    {
                        // Undo the lines already held: nothing of this order stays reserved. A repeat of a
                        // reserve that succeeded finds its own units unavailable: it answers as the first did.
                        await db.Database.CurrentTransaction!.RollbackAsync(token);
                        db.ChangeTracker.Clear();
                        return await ExistingOutcomeAsync(orderId, token) ?? new ReserveOutcome(ReserveResult.OutOfStock, line.ProductId);
                    }

                    db.Reservations.Add(new Reservation
                    {
                        OrderId = orderId,
                        ProductId = line.ProductId,
                        Quantity = line.Quantity,
                        Status = ReservationStatus.Reserved,
                        CreatedAt = now,
                        ExpiresAt = expiresAt,
                    });
                }

                await db.SaveChangesAsync(token);
                return new ReserveOutcome(ReserveResult.Reserved);
            }, cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            // The same order reserved concurrently and won: this attempt rolled back, report the winner's outcome.
            db.ChangeTracker.Clear();
            return await ExistingOutcomeAsync(orderId, cancellationToken) ?? new ReserveOutcome(ReserveResult.Reserved);
        }
    }

    /// <summary>The order is confirmed: its held units leave the stock for good.</summary>
    /// <returns>The number of lines committed by this call (0 when already committed, released or never reserved).</returns>
    public Task<int> CommitAsync(Guid orderId, CancellationToken cancellationToken) =>
        CloseAsync(orderId, ReservationStatus.Committed, expired: false, cancellationToken);

    /// <summary>The order is cancelled: its held units become available again.</summary>
    /// <returns>The number of lines released by this call.</returns>
    public Task<int> ReleaseAsync(Guid orderId, CancellationToken cancellationToken) =>
        CloseAsync(orderId, ReservationStatus.Released, expired: false, cancellationToken);

    /// <summary>A confirmed order is cancelled before shipping: its committed units go back on hand.</summary>
    /// <returns>The number of lines returned by this call.</returns>
    public Task<int> ReturnAsync(Guid orderId, CancellationToken cancellationToken) =>
        CloseAsync(orderId, ReservationStatus.Returned, expired: false, cancellationToken);

    /// <summary>Where an order's reservation stands: Reserved, Committed, Released, Returned, or None.</summary>
    public async Task<string> StatusAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var statuses = await db.Reservations.AsNoTracking().Where(r => r.OrderId == orderId)
            .Select(r => r.Status).Distinct().ToListAsync(cancellationToken);
        return statuses.Count == 0 ? "None" : statuses.Max().ToString();
    }

    /// <summary>Releases the holds of orders whose reservation expired, longest expired first, and tells the saga (ReservationExpired).</summary>
    /// <returns>The orders released.</returns>
    public async Task<IReadOnlyList<Guid>> ReleaseExpiredAsync(int maxOrders, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        // Longest expired first: with more than one sweep's worth waiting, none is passed over sweep after sweep.
        var expired = await db.Reservations.AsNoTracking()
            .Where(r => r.Status == ReservationStatus.Reserved && r.ExpiresAt <= now)
            .GroupBy(r => r.OrderId)
            .OrderBy(order => order.Min(r => r.ExpiresAt))
            .Select(order => order.Key)
            .Take(maxOrders)
            .ToListAsync(cancellationToken);

        var released = new List<Guid>();
        foreach (var orderId in expired)
        {
            // A commit may have won the race since the scan: then there is nothing to release.
            if (await CloseAsync(orderId, ReservationStatus.Released, expired: true, cancellationToken) > 0)
            {
                released.Add(orderId);
            }
        }

        return released;
    }

    private Task<int> CloseAsync(Guid orderId, ReservationStatus to, bool expired, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async token =>
        {
            var status = to.ToString();
            // Only lines in the one state this move starts from change, so repeating it changes nothing.
            var from = (to == ReservationStatus.Returned ? ReservationStatus.Committed : ReservationStatus.Reserved).ToString();
            var lines = await db.Database.SqlQuery<ReservationLine>($"""
                UPDATE reservations SET status = {status}
                WHERE order_id = {orderId} AND status = {from}
                RETURNING product_id AS "ProductId", quantity AS "Quantity"
                """).ToListAsync(token);

            foreach (var line in lines.OrderBy(l => l.ProductId))
            {
                var (reservedChange, onHandChange) = to switch
                {
                    ReservationStatus.Committed => (-line.Quantity, -line.Quantity),
                    ReservationStatus.Returned => (0, line.Quantity),
                    _ => (-line.Quantity, 0),
                };
                await ChangeStockAsync(line.ProductId, reservedChange, onHandChange, minimumAvailable: int.MinValue, token);
            }

            if (expired && lines.Count > 0)
            {
                outbox.Add(new ReservationExpired(orderId), orderId.ToString());
            }

            await db.SaveChangesAsync(token);

            return lines.Count;
        }, cancellationToken);

    /// <summary>
    /// Changes a product's stock if at least <paramref name="minimumAvailable"/> units are available, and
    /// tells the catalog the availability that results if it changed, through the outbox, with the row's
    /// new version (the catalog keeps the highest: delivery order does not matter). One statement: the row
    /// stays locked to the end of the transaction, and a best-selling product's reservations queue on that
    /// lock, so the transaction does as little as possible after it.
    /// </summary>
    /// <returns>False when fewer units were available (nothing changed).</returns>
    private async Task<bool> ChangeStockAsync(int productId, int reservedChange, int onHandChange, int minimumAvailable, CancellationToken cancellationToken)
    {
        var changed = await db.Database.SqlQuery<StockChange>($"""
            UPDATE stock SET reserved = reserved + {reservedChange}, on_hand = on_hand + {onHandChange}, version = version + 1
            WHERE product_id = {productId} AND on_hand - reserved >= {minimumAvailable}
            RETURNING on_hand AS "OnHand", reserved AS "Reserved", version AS "Version"
            """).ToListAsync(cancellationToken);
        if (changed.Count == 0)
        {
            return false;
        }

        // A commit takes held units off the shelf: availability stays what it was, and the catalog already shows it.
        if (onHandChange != reservedChange)
        {
            var (onHand, reserved, version) = changed[0];
            outbox.Add(new StockChanged(productId, onHand - reserved, version), productId.ToString());
        }

        return true;
    }

    private async Task<ReserveOutcome?> ExistingOutcomeAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var statuses = await db.Reservations.AsNoTracking().Where(r => r.OrderId == orderId)
            .Select(r => r.Status).Distinct().ToListAsync(cancellationToken);
        return statuses.Count == 0 ? null
            : statuses.All(s => s == ReservationStatus.Reserved) ? new ReserveOutcome(ReserveResult.Reserved)
            : statuses.All(s => s == ReservationStatus.Committed) ? new ReserveOutcome(ReserveResult.Committed)
            : new ReserveOutcome(ReserveResult.Closed);
    }
}
