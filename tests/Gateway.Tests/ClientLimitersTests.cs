using System.Threading.RateLimiting;
using Gateway.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests;

/// <summary>
/// The clients' limiters between requests: one per client, kept while used, let go once idle, and swept only by
/// requests (no timer). The limiters count on their own (no Redis); the time by a fake clock.
/// </summary>
public sealed class ClientLimitersTests
{
    private readonly FakeTimeProvider _clock = new();
    private readonly SharedWindowCounter _counter;
    private readonly ClientLimiters _limiters;

    public ClientLimitersTests()
    {
        _counter = new SharedWindowCounter(new ServiceCollection().BuildServiceProvider(), Options.Create(new RateLimitingOptions()),
            _clock, NullLogger<SharedWindowCounter>.Instance);
        _limiters = new ClientLimiters(_clock);
    }

    private RateLimitPartition<string> Client(string key) =>
        RateLimitPartition.Get(key, k => new SharedFixedWindowLimiter(_counter, k, 100, TimeSpan.FromMinutes(1), TimeSpan.Zero, _clock));

    private static async Task TakeAsync(RateLimiter limiter)
    {
        using var lease = await limiter.AcquireAsync();
        Assert.True(lease.IsAcquired);
    }

    [Fact]
    public async Task A_client_keeps_its_limiter_while_it_sends_requests()
    {
        var first = _limiters.For(Client("user:ann"));
        for (var i = 0; i < 6; i++)
        {
            await TakeAsync(_limiters.For(Client("user:ann")));
            _clock.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.Same(first, _limiters.For(Client("user:ann")));
        Assert.Equal(1, _limiters.Count);
    }

    [Fact]
    public async Task An_idle_clients_limiter_is_let_go_by_a_later_request_and_made_anew_when_it_comes_back()
    {
        var ann = _limiters.For(Client("user:ann"));
        await TakeAsync(ann);
        _clock.Advance(TimeSpan.FromSeconds(5));
        await TakeAsync(_limiters.For(Client("user:ben")));
        Assert.Equal(2, _limiters.Count);

        _clock.Advance(ClientLimiters.IdleLimit - TimeSpan.FromSeconds(4)); // ann idle past the limit, ben not
        Assert.Equal(2, _limiters.Count); // nothing happens between requests
        await TakeAsync(_limiters.For(Client("user:ben")));

        Assert.Equal(1, _limiters.Count);
        Assert.NotSame(ann, _limiters.For(Client("user:ann")));
        Assert.Equal(2, _limiters.Count);
    }

    [Fact]
    public void A_request_sweeps_at_most_once_per_interval()
    {
        _limiters.For(Client("ip:192.0.2.1"));
        _clock.Advance(TimeSpan.FromSeconds(9));
        _limiters.For(Client("ip:192.0.2.2"));
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        _limiters.For(Client("ip:192.0.2.3")); // sweeps: .1 idle for 10.5 s
        Assert.Equal(2, _limiters.Count);

        _clock.Advance(TimeSpan.FromSeconds(9.4));
        _limiters.For(Client("ip:192.0.2.4")); // .2 is idle past the limit, but the last sweep was 9.4 s ago
        Assert.Equal(3, _limiters.Count);

        _clock.Advance(TimeSpan.FromSeconds(0.7));
        _limiters.For(Client("ip:192.0.2.5")); // sweeps: .2 and .3 idle past the limit, .4 not
        Assert.Equal(2, _limiters.Count);
    }
}
