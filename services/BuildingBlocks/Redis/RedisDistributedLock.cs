using BuildingBlocks.Locking;
using StackExchange.Redis;

namespace BuildingBlocks.Redis;

/// <summary>
/// Native lock with the semantics of Dapr's lock.redis: the key holds the owner and expires with the
/// lease (SET NX PX); renew and release compare the owner inside a Lua script, so a lock that expired
/// and was taken by someone else is never extended or deleted by its former owner. A call that gets no
/// answer throws <see cref="Microsoft.Extensions.Hosting.DependencyUnavailableException"/>. The client takes no
/// cancellation token, so a cancelled call stops waiting for its answer (the command itself may still run).
/// </summary>
internal sealed class RedisDistributedLock(IConnectionMultiplexer redis) : IDistributedLock
{
    private const string Prefix = "lock:";

    private static readonly LuaScript Renew = LuaScript.Prepare("""
        if redis.call('GET', @key) == @owner then return redis.call('PEXPIRE', @key, @ms) end
        return 0
        """);

    // 1 released, 0 not held, -1 held by another owner (Dapr's unlock statuses).
    private static readonly LuaScript Release = LuaScript.Prepare("""
        local current = redis.call('GET', @key)
        if not current then return 0 end
        if current ~= @owner then return -1 end
        redis.call('DEL', @key)
        return 1
        """);

    public Task<bool> TryAcquireAsync(string resource, string owner, TimeSpan lease, CancellationToken cancellationToken = default) =>
        redis.GetDatabase().StringSetAsync(Prefix + resource, owner, lease, When.NotExists).OrUnavailable().WaitAsync(cancellationToken);

    public async Task<bool> RenewAsync(string resource, string owner, TimeSpan lease, CancellationToken cancellationToken = default) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(Renew, new
        {
            key = (RedisKey)(Prefix + resource),
            owner,
            ms = (long)lease.TotalMilliseconds,
        }).OrUnavailable().WaitAsync(cancellationToken) == 1;

    public async Task<LockRelease> ReleaseAsync(string resource, string owner, CancellationToken cancellationToken = default) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(Release, new { key = (RedisKey)(Prefix + resource), owner }).OrUnavailable().WaitAsync(cancellationToken) switch
        {
            1 => LockRelease.Released,
            0 => LockRelease.NotHeld,
            _ => LockRelease.HeldByAnotherOwner,
        };
}
