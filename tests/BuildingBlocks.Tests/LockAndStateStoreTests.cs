using BuildingBlocks.Locking;
using BuildingBlocks.Redis;
using BuildingBlocks.StateStore;
using BuildingBlocks.Tests.Infrastructure;
using StackExchange.Redis;
using TestSupport;

namespace BuildingBlocks.Tests;

/// <summary>The native distributed lock and state store on a real Redis.</summary>
[Collection(LocalServersCollection.Name)]
public sealed class LockAndStateStoreTests(LocalServers servers) : IAsyncLifetime
{
    private ConnectionMultiplexer _redis = null!;
    private IDistributedLock _lock = null!;
    private IStateStore _state = null!;

    public async Task InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(servers.RedisConnectionString);
        _lock = new RedisDistributedLock(_redis);
        _state = new RedisStateStore(_redis);
    }

    public Task DisposeAsync() => _redis.DisposeAsync().AsTask();

    private static string Resource() => $"res-{Guid.NewGuid():N}";

    [Fact]
    public async Task Many_concurrent_contenders_never_hold_the_lock_together()
    {
        var resource = Resource();
        int holders = 0, maxHolders = 0, acquisitions = 0;

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Task.WhenAll(Enumerable.Range(0, 16).Select(n => Task.Run(async () =>
        {
            var owner = $"owner-{n}";
            while (Volatile.Read(ref acquisitions) < 300 && !deadline.IsCancellationRequested)
            {
                if (!await _lock.TryAcquireAsync(resource, owner, TimeSpan.FromSeconds(10)))
                {
                    continue;
                }

                var now = Interlocked.Increment(ref holders);
                InterlockedMax(ref maxHolders, now);
                Interlocked.Increment(ref acquisitions);
                await Task.Yield(); // hold it across an await, as real work would
                Interlocked.Decrement(ref holders);
                Assert.Equal(LockRelease.Released, await _lock.ReleaseAsync(resource, owner));
            }
        })));

        Assert.Equal(1, maxHolders);
        Assert.True(acquisitions >= 300, $"only {acquisitions} acquisitions before the deadline");
    }

    [Fact]
    public async Task Only_the_owner_can_release_or_renew()
    {
        var resource = Resource();
        Assert.True(await _lock.TryAcquireAsync(resource, "alice", TimeSpan.FromSeconds(30)));

        Assert.False(await _lock.TryAcquireAsync(resource, "bob", TimeSpan.FromSeconds(30)));
        Assert.Equal(LockRelease.HeldByAnotherOwner, await _lock.ReleaseAsync(resource, "bob"));
        Assert.False(await _lock.RenewAsync(resource, "bob", TimeSpan.FromSeconds(30)));
        Assert.True(await _lock.RenewAsync(resource, "alice", TimeSpan.FromSeconds(30)));
        Assert.Equal(LockRelease.Released, await _lock.ReleaseAsync(resource, "alice"));
        Assert.Equal(LockRelease.NotHeld, await _lock.ReleaseAsync(resource, "alice"));
        Assert.True(await _lock.TryAcquireAsync(resource, "bob", TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task An_expired_lease_frees_the_lock_and_the_former_owner_cannot_touch_it()
    {
        var resource = Resource();
        Assert.True(await _lock.TryAcquireAsync(resource, "alice", TimeSpan.FromMilliseconds(200)));

        await Eventually.TrueAsync(() => _lock.TryAcquireAsync(resource, "bob", TimeSpan.FromSeconds(30)), "the lease to expire");

        Assert.False(await _lock.RenewAsync(resource, "alice", TimeSpan.FromSeconds(30)));
        Assert.Equal(LockRelease.HeldByAnotherOwner, await _lock.ReleaseAsync(resource, "alice"));
    }

    [Fact]
    public async Task A_renewed_lease_outlives_its_first_term()
    {
        var resource = Resource();
        Assert.True(await _lock.TryAcquireAsync(resource, "alice", TimeSpan.FromMilliseconds(300)));
        Assert.True(await _lock.RenewAsync(resource, "alice", TimeSpan.FromSeconds(30)));

        var ttl = await _redis.GetDatabase().KeyTimeToLiveAsync("lock:" + resource);

        Assert.True(ttl > TimeSpan.FromSeconds(20), $"TTL after renewal was {ttl}");
    }

    public sealed record Cart(string[] Items);

    [Fact]
    public async Task A_stale_write_gets_a_conflict_not_a_silent_overwrite()
    {
        var key = $"cart-{Guid.NewGuid():N}";
        var created = await _state.SaveAsync(key, new Cart(["book"]));
        var read = (await _state.GetAsync<Cart>(key))!;
        Assert.Equal(created, read.ETag);

        var updated = await _state.SaveAsync(key, new Cart(["book", "lamp"]), read.ETag);

        await Assert.ThrowsAsync<StateConcurrencyException>(() => _state.SaveAsync(key, new Cart(["pen"]), read.ETag));
        await Assert.ThrowsAsync<StateConcurrencyException>(() => _state.DeleteAsync(key, read.ETag));
        var current = (await _state.GetAsync<Cart>(key))!;
        Assert.Equal(["book", "lamp"], current.Value.Items);
        Assert.Equal(updated, current.ETag);
        Assert.NotEqual(created, updated);
    }

    [Fact]
    public async Task Concurrent_writers_with_the_same_etag_have_exactly_one_winner()
    {
        var key = $"cart-{Guid.NewGuid():N}";
        var etag = await _state.SaveAsync(key, new Cart([]));

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(async n =>
        {
            try
            {
                await _state.SaveAsync(key, new Cart([$"item-{n}"]), etag);
                return true;
            }
            catch (StateConcurrencyException)
            {
                return false;
            }
        }));

        Assert.Equal(1, results.Count(won => won));
    }

    [Fact]
    public async Task Delete_with_the_current_etag_removes_the_state()
    {
        var key = $"cart-{Guid.NewGuid():N}";
        var etag = await _state.SaveAsync(key, new Cart(["x"]));

        Assert.True(await _state.DeleteAsync(key, etag));
        Assert.Null(await _state.GetAsync<Cart>(key));
        Assert.False(await _state.DeleteAsync(key));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
