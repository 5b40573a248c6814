using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace BuildingBlocks.Redis;

/// <summary>
/// Turns a Redis call that got no answer into <see cref="DependencyUnavailableException"/>, whatever the client
/// threw: a timeout, a connection that is down, or, while it reconnects after a stall, an odd error of its own
/// (an <see cref="InvalidOperationException"/> from its socket pipe was seen). Callers then answer 503, not 500.
/// An error that Redis itself answered (<see cref="RedisServerException"/>) stays what it is.
/// </summary>
internal static class RedisUnavailable
{
    public static async Task<T> OrUnavailable<T>(this Task<T> call)
    {
        try
        {
            return await call;
        }
        catch (Exception ex) when (ex is not RedisServerException)
        {
            throw new DependencyUnavailableException("redis", ex);
        }
    }
}
