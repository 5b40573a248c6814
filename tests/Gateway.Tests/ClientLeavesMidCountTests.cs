using Gateway.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TestSupport;

namespace Gateway.Tests;

/// <summary>
/// A client that leaves while its count is being asked of Redis ends its request quietly: no exception, no answer,
/// nothing passed on. Redis is a real redis-server of this class's own, frozen (SIGSTOP) so that the count waits.
/// </summary>
public sealed class ClientLeavesMidCountTests : IAsyncLifetime
{
    private readonly LocalServers _servers = LocalServers.RedisOnly();
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        await _servers.InitializeAsync();
        _redis = await ConnectionMultiplexer.ConnectAsync(_servers.RedisConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _servers.DisposeAsync();
    }

    [Fact]
    public async Task A_client_that_leaves_while_Redis_is_asked_for_its_count_ends_its_request_without_an_error()
    {
        // Only the client's leaving may end the wait here: the usual 250 ms for an answer would count locally instead.
        var options = Options.Create(new RateLimitingOptions { RedisTimeout = TimeSpan.FromMinutes(1) });
        var counter = new SharedWindowCounter(new ServiceCollection().AddSingleton<IConnectionMultiplexer>(_redis).BuildServiceProvider(),
            options, TimeProvider.System, NullLogger<SharedWindowCounter>.Instance);
        var passedOn = false;
        var middleware = new ClientRateLimitingMiddleware(_ =>
        {
            passedOn = true;
            return Task.CompletedTask;
        }, new ClientRateLimiterPolicy(options, counter, TimeProvider.System), new ClientLimiters(TimeProvider.System));
        using var leaves = new CancellationTokenSource();
        var context = new DefaultHttpContext { RequestAborted = leaves.Token };
        context.SetEndpoint(new Endpoint(null, new EndpointMetadataCollection(new EnableRateLimitingAttribute(ClientRateLimiterPolicy.Name)), "route"));

        _servers.FreezeRedis();
        try
        {
            var request = middleware.InvokeAsync(context);
            Assert.False(request.IsCompleted); // waiting for the count
            await leaves.CancelAsync();
            await request; // the client's leaving must not escape as an exception (logged as a failed request)
        }
        finally
        {
            _servers.ThawRedis();
        }

        Assert.False(passedOn);
        Assert.False(context.Response.HasStarted);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode); // nothing set: no 429, no 500
    }
}
