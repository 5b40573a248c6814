using System.Collections.Concurrent;
using BuildingBlocks.Locking;
using Inventory.Functions;
using Inventory.Stock;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Inventory.Tests;

/// <summary>Stock reservations on a real PostgreSQL: no oversell, all or none, idempotent, expiring.</summary>
public sealed class StockReservationsTests(InventoryFixture inventory) : IClassFixture<InventoryFixture>
{
    private static ReservationLine[] One(int productId, int quantity = 1) => [new(productId, quantity)];

    [Fact]
    public async Task Two_hundred_concurrent_orders_for_fifty_units_reserve_exactly_fifty_and_never_go_negative()
    {
        var product = await inventory.NewProductAsync(onHand: 50);
        var lowest = int.MaxValue;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            await using var db = inventory.NewContext();
            while (!stop.IsCancellationRequested)
            {
                var available = await db.Stock.Where(s => s.ProductId == product).Select(s => s.OnHand - s.Reserved).SingleAsync();
                lowest = Math.Min(lowest, available);
            }
        });

        var outcomes = new ConcurrentBag<ReserveOutcome>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (_, _) =>
            outcomes.Add(await inventory.WithReservationsAsync(r => r.ReserveAsync(Guid.NewGuid(), One(product), default))));
        await stop.CancelAsync();
        await sampler;

        Assert.Equal(50, outcomes.Count(o => o.Result == ReserveResult.Reserved));
        Assert.Equal(150, outcomes.Count(o => o.Result == ReserveResult.OutOfStock && o.UnavailableProductId == product));
        Assert.Equal(new StockLevel(product, 50, 50, 0), await inventory.LevelAsync(product));
        Assert.True(lowest >= 0, $"available stock was seen at {lowest}");
    }

    [Fact]
    public async Task An_order_is_reserved_whole_or_not_at_all()
    {
        var plenty = await inventory.NewProductAsync(onHand: 10);
        var scarce = await inventory.NewProductAsync(onHand: 1);
        var order = Guid.NewGuid();

        var outcome = await inventory.WithReservationsAsync(r =>
            r.ReserveAsync(order, [new(plenty, 2), new(scarce, 2)], default));

        Assert.Equal(new ReserveOutcome(ReserveResult.OutOfStock, scarce), outcome);
        Assert.Equal(0, (await inventory.LevelAsync(plenty)).Reserved);
        Assert.Equal(0, (await inventory.LevelAsync(scarce)).Reserved);
        await using var db = inventory.NewContext();
        Assert.False(await db.Reservations.AnyAsync(r => r.OrderId == order));
    }

    [Fact]
    public async Task Reserving_the_same_order_again_or_concurrently_holds_its_stock_once()
    {
        var product = await inventory.NewProductAsync(onHand: 10);
        var order = Guid.NewGuid();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            inventory.WithReservationsAsync(r => r.ReserveAsync(order, One(product, 3), default))));
        var again = await inventory.WithReservationsAsync(r => r.ReserveAsync(order, One(product, 3), default));

        Assert.All(outcomes.Append(again), o => Assert.Equal(ReserveResult.Reserved, o.Result));
        Assert.Equal(new StockLevel(product, 10, 3, 7), await inventory.LevelAsync(product));
    }

    [Fact]
    public async Task Reserving_an_order_again_after_it_took_the_last_units_answers_reserved_not_out_of_stock()
    {
        var product = await inventory.NewProductAsync(onHand: 3);
        var order = Guid.NewGuid();
        await inventory.WithReservationsAsync(r => r.ReserveAsync(order, One(product, 3), default));

        var again = await inventory.WithReservationsAsync(r => r.ReserveAsync(order, One(product, 3), default));

        Assert.Equal(ReserveResult.Reserved, again.Result);
        Assert.Equal(new StockLevel(product, 3, 3, 0), await inventory.LevelAsync(product));
    }

    [Fact]
    public async Task Commit_takes_the_units_out_of_stock_and_release_gives_them_back_each_once()
    {
        var product = await inventory.NewProductAsync(onHand: 10);
        var (kept, cancelled) = (Guid.NewGuid(), Guid.NewGuid());
        await inventory.WithReservationsAsync(r => r.ReserveAsync(kept, One(product, 4), default));
        await inventory.WithReservationsAsync(r => r.ReserveAsync(cancelled, One(product, 2), default));

        Assert.Equal(1, await inventory.WithReservationsAsync(r => r.CommitAsync(kept, default)));
        Assert.Equal(1, await inventory.WithReservationsAsync(r => r.ReleaseAsync(cancelled, default)));
        Assert.Equal(0, await inventory.WithReservationsAsync(r => r.CommitAsync(kept, default)));
        Assert.Equal(0, await inventory.WithReservationsAsync(r => r.ReleaseAsync(cancelled, default)));
        Assert.Equal(0, await inventory.WithReservationsAsync(r => r.ReleaseAsync(kept, default)));

        Assert.Equal(new StockLevel(product, 6, 0, 6), await inventory.LevelAsync(product));
        // A released order cannot hold stock again; a committed one's reserve, repeated, says it is committed.
        Assert.Equal(ReserveResult.Closed, (await inventory.WithReservationsAsync(r => r.ReserveAsync(cancelled, One(product), default))).Result);
        Assert.Equal(ReserveResult.Committed, (await inventory.WithReservationsAsync(r => r.ReserveAsync(kept, One(product, 4), default))).Result);
        Assert.Equal(new StockLevel(product, 6, 0, 6), await inventory.LevelAsync(product));
    }

    [Fact]
    public async Task An_expired_reservation_is_released_and_reported_but_a_committed_one_is_not()
    {
        var product = await inventory.NewProductAsync(onHand: 5);
        var (abandoned, confirmed) = (Guid.NewGuid(), Guid.NewGuid());
        var ttl = TimeSpan.FromMilliseconds(200);
        await inventory.WithReservationsAsync(r => r.ReserveAsync(abandoned, One(product, 2), default), ttl);
        await inventory.WithReservationsAsync(r => r.ReserveAsync(confirmed, One(product, 1), default), ttl);
        await inventory.WithReservationsAsync(r => r.CommitAsync(confirmed, default));

        IReadOnlyList<Guid> released = [];
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!released.Contains(abandoned) && DateTime.UtcNow < deadline)
        {
            released = await inventory.WithReservationsAsync(r => r.ReleaseExpiredAsync(100, default));
        }

        Assert.Contains(abandoned, released);
        Assert.DoesNotContain(confirmed, released);
        Assert.Equal(new StockLevel(product, 4, 0, 4), await inventory.LevelAsync(product));
        var expired = await inventory.OutboxAsync("inventory.reservation-expired");
        Assert.Single(expired, m => m.PartitionKey == abandoned.ToString());
        Assert.DoesNotContain(abandoned, await inventory.WithReservationsAsync(r => r.ReleaseExpiredAsync(100, default)));
    }

    [Fact]
    public async Task A_sweep_smaller_than_the_backlog_releases_the_longest_expired_orders_first()
    {
        // The app's own sweeper would race this test's sweeps: hold its lock meanwhile.
        var sweeperLock = inventory.Services.GetRequiredService<IDistributedLock>();
        var owner = $"test-{Guid.NewGuid():N}";
        await Eventually.TrueAsync(() => sweeperLock.TryAcquireAsync(ReservationSweeper.LockName, owner, TimeSpan.FromMinutes(1)),
            "the sweeper's lock to be free", TimeSpan.FromSeconds(30));

        try
        {
            var product = await inventory.NewProductAsync(onHand: 10);
            var orders = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).Order().ToArray();
            foreach (var order in orders)
            {
                await inventory.WithReservationsAsync(r => r.ReserveAsync(order, One(product), default));
            }

            // Expired the longer the larger the id (the reverse of the order the rows and ids come in).
            await using (var db = inventory.NewContext())
            {
                for (var i = 0; i < orders.Length; i++)
                {
                    var expiredAt = DateTimeOffset.UtcNow.AddMinutes(-1 - i);
                    await db.Reservations.Where(r => r.OrderId == orders[i])
                        .ExecuteUpdateAsync(set => set.SetProperty(r => r.ExpiresAt, expiredAt));
                }
            }

            var first = await inventory.WithReservationsAsync(r => r.ReleaseExpiredAsync(2, default));
            var second = await inventory.WithReservationsAsync(r => r.ReleaseExpiredAsync(2, default));

            Assert.Equal([orders[3], orders[2]], first);
            Assert.Equal([orders[1], orders[0]], second);
        }
        finally
        {
            await sweeperLock.ReleaseAsync(ReservationSweeper.LockName, owner);
        }
    }

    [Fact]
    public async Task Each_announced_figure_carries_a_higher_version_than_the_one_before_it()
    {
        var product = await inventory.NewProductAsync(onHand: 30);
        await Parallel.ForEachAsync(Enumerable.Range(0, 20), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
            await inventory.WithReservationsAsync(r => r.ReserveAsync(Guid.NewGuid(), One(product), default)));
        await inventory.WithReservationsAsync(r => r.SetOnHandAsync(product, 25, default));

        // In commit order (the outbox's sequence), as the catalog must end: the last one names what is left.
        var announced = (await inventory.OutboxAsync("inventory.stock-changed"))
            .Where(m => m.PartitionKey == product.ToString()).OrderBy(m => m.Sequence)
            .Select(m => System.Text.Json.JsonDocument.Parse(m.CloudEvent).RootElement.GetProperty("data"))
            .Select(data => (Available: data.GetProperty("available").GetInt32(), Version: data.GetProperty("version").GetInt64()))
            .ToList();
        Assert.Equal(22, announced.Count);
        Assert.Equal(announced.Select(a => a.Version).Order(), announced.Select(a => a.Version));
        Assert.Equal(announced.Count, announced.Select(a => a.Version).Distinct().Count());
        Assert.Equal((25 - 20, announced[^1].Version), announced[^1]);
    }

    [Fact]
    public async Task On_hand_cannot_be_set_below_what_is_reserved()
    {
        var product = await inventory.NewProductAsync(onHand: 10);
        await inventory.WithReservationsAsync(r => r.ReserveAsync(Guid.NewGuid(), One(product, 6), default));

        Assert.Null(await inventory.WithReservationsAsync(r => r.SetOnHandAsync(product, 5, default)));
        Assert.Equal(new StockLevel(product, 6, 6, 0), await inventory.WithReservationsAsync(r => r.SetOnHandAsync(product, 6, default)));
        // Set, reserve, set: each change of availability is announced to the catalog.
        Assert.Equal(3, (await inventory.OutboxAsync("inventory.stock-changed")).Count(m => m.PartitionKey == product.ToString()));
    }
}
