using System.Text.Json;
using BuildingBlocks.StateStore;
using StackExchange.Redis;

namespace BuildingBlocks.Redis;

/// <summary>
/// Native state store: each key is a Redis hash of the JSON value and a version number, which is the
/// ETag. Conditional writes compare and set in one Lua script, so a stale write cannot slip in
/// between the check and the write. A call that gets no answer throws <see cref="Microsoft.Extensions.Hosting.DependencyUnavailableException"/>.
/// </summary>
internal sealed class RedisStateStore(IConnectionMultiplexer redis) : IStateStore
{
    private const string Prefix = "state:";

    // KEYS[1] key; ARGV[1] data; ARGV[2] expected version or "" for unconditional. Returns new version, or -1 on mismatch.
    private static readonly LuaScript Save = LuaScript.Prepare("""
        local current = redis.call('HGET', @key, 'version')
        if @etag ~= '' and current ~= @etag then return -1 end
        redis.call('HSET', @key, 'data', @data)
        return redis.call('HINCRBY', @key, 'version', 1)
        """);

    // Returns 1 deleted, 0 nothing to delete, -1 version mismatch.
    private static readonly LuaScript Delete = LuaScript.Prepare("""
        local current = redis.call('HGET', @key, 'version')
        if @etag ~= '' and current ~= @etag then return -1 end
        return redis.call('DEL', @key)
        """);

    public async Task<StateEntry<T>?> GetAsync<T>(string key, CancellationToken cancellationToken = default)
    {
        var fields = await redis.GetDatabase().HashGetAsync(Prefix + key, ["data", "version"]).OrUnavailable();
        if (fields[0].IsNull)
        {
            return null;
        }

        var value = JsonSerializer.Deserialize<T>(fields[0].ToString(), JsonSerializerOptions.Web)!;
        return new StateEntry<T>(value, fields[1].ToString());
    }

    public async Task<string> SaveAsync<T>(string key, T value, string? etag = null, CancellationToken cancellationToken = default)
    {
        var result = (long)await redis.GetDatabase().ScriptEvaluateAsync(Save, new
        {
            key = (RedisKey)(Prefix + key),
            etag = etag ?? "",
            data = JsonSerializer.Serialize(value, JsonSerializerOptions.Web),
        }).OrUnavailable();
        return result < 0 ? throw new StateConcurrencyException(key) : result.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<bool> DeleteAsync(string key, string? etag = null, CancellationToken cancellationToken = default)
    {
        var result = (long)await redis.GetDatabase().ScriptEvaluateAsync(Delete, new
        {
            key = (RedisKey)(Prefix + key),
            etag = etag ?? "",
        }).OrUnavailable();
        return result < 0 ? throw new StateConcurrencyException(key) : result == 1;
    }
}
