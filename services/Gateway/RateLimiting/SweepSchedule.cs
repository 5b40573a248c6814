namespace Gateway.RateLimiting;

/// <summary>
/// When the requests of a request-swept collection (<see cref="ClientLimiters"/>, <see cref="LocalWindows"/>) should sweep
/// it: at most once per interval, and then by one request only. Nothing runs between requests, so an idle gateway stays idle.
/// </summary>
public sealed class SweepSchedule(TimeProvider clock, TimeSpan interval)
{
    private long _sweptAt = clock.GetTimestamp();

    /// <summary>True for the one caller whose turn it is to sweep at <paramref name="now"/> (a timestamp of the clock).</summary>
    public bool TryClaim(long now)
    {
        var last = Interlocked.Read(ref _sweptAt);
        return clock.GetElapsedTime(last, now) >= interval && Interlocked.CompareExchange(ref _sweptAt, now, last) == last;
    }
}
