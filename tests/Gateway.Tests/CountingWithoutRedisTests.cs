using Gateway.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests;

/// <summary>
/// A replica without Redis counts each client's windows on its own, by the clock it is given: a window ends when its
/// time has passed, with no timer of its own behind it. No Redis is configured here; the time is a fake clock's.
/// </summary>
public sealed class CountingWithoutRedisTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly FakeTimeProvider _clock = new();
    private readonly SharedWindowCounter _counter;

    public CountingWithoutRedisTests() =>
        _counter = new SharedWindowCounter(new ServiceCollection().BuildServiceProvider(), Options.Create(new RateLimitingOptions()),
            _clock, NullLogger<SharedWindowCounter>.Instance);

    [Fact]
    public async Task A_client_refused_at_its_limit_is_told_the_time_left_and_served_again_once_its_window_has_passed()
    {
        Assert.True((await _counter.TakeAsync("user:ann", 1, limit: 2, Minute)).Allowed);
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True((await _counter.TakeAsync("user:ann", 1, limit: 2, Minute)).Allowed);

        var refused = await _counter.TakeAsync("user:ann", 1, limit: 2, Minute);
        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(40), refused.RetryAfter);

        _clock.Advance(TimeSpan.FromSeconds(40));
        Assert.True((await _counter.TakeAsync("user:ann", 1, limit: 2, Minute)).Allowed);
    }

    [Fact]
    public async Task A_question_takes_nothing_and_windows_of_other_lengths_or_clients_count_apart()
    {
        Assert.True((await _counter.TakeAsync("user:bob", 1, limit: 1, Minute)).Allowed);
        Assert.False((await _counter.TakeAsync("user:bob", 0, limit: 1, Minute)).Allowed);
        Assert.True((await _counter.TakeAsync("user:bob", 1, limit: 1, TimeSpan.FromHours(1))).Allowed);
        Assert.True((await _counter.TakeAsync("user:cat", 0, limit: 1, Minute)).Allowed);
        Assert.True((await _counter.TakeAsync("user:cat", 1, limit: 1, Minute)).Allowed);
    }
}
