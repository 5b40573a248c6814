using TestSupport;

namespace Gateway.Tests;

/// <summary>A real redis-server (Debian's) for the rate-limit counters, stopped by PID at the end.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private readonly LocalServers _servers = LocalServers.RedisOnly();

    public string ConnectionString => _servers.RedisConnectionString;

    public Task InitializeAsync() => _servers.InitializeAsync();

    public Task DisposeAsync() => _servers.DisposeAsync();
}
