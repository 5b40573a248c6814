using Gateway.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests;

/// <summary>The windows a replica counts on its own are let go once over, by later requests (no timer); the time by a fake clock.</summary>
public sealed class LocalWindowsTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void Windows_that_are_over_are_let_go_by_a_later_request_and_running_ones_are_kept()
    {
        var windows = new LocalWindows(_clock);
        windows.Take("user:ann:60", 1, 10, Minute);
        windows.Take("user:bob:3600", 1, 10, TimeSpan.FromHours(1));
        _clock.Advance(Minute);

        windows.Take("user:cat:60", 1, 10, Minute);

        Assert.Equal(2, windows.Count); // ann's window is over; bob's hour and cat's new minute run on
    }

    [Fact]
    public void A_request_sweeps_at_most_once_per_interval()
    {
        var windows = new LocalWindows(_clock);
        _clock.Advance(LocalWindows.SweepInterval);
        windows.Take("user:ann:1", 1, 10, TimeSpan.FromSeconds(1)); // sweeps (nothing to let go) and starts ann's window
        _clock.Advance(TimeSpan.FromSeconds(2));

        windows.Take("user:bob:1", 1, 10, TimeSpan.FromSeconds(1));
        Assert.Equal(2, windows.Count); // ann's window is over, but the last sweep was 2 s ago

        _clock.Advance(LocalWindows.SweepInterval);
        windows.Take("user:cat:1", 1, 10, TimeSpan.FromSeconds(1));
        Assert.Equal(1, windows.Count);
    }
}
