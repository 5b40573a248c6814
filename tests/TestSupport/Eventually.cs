namespace TestSupport;

/// <summary>Waits for a condition by asking again until a deadline, instead of sleeping a guessed time.</summary>
public static class Eventually
{
    /// <summary>Asks <paramref name="probe"/> (backing off from 20 ms to 1 s) until <paramref name="done"/> holds; returns that value.</summary>
    /// <exception cref="TimeoutException">The deadline passed; the message names <paramref name="what"/> and the last value.</exception>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}; last value: {value}");
            }

            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
        }
    }

    public static Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(condition, holds => holds, timeout ?? TimeSpan.FromSeconds(30), what);

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeout);
}
