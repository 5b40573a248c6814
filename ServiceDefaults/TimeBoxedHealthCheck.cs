using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Holds a check to its registration's timeout even when the check ignores cancellation (a Redis PING waits for
/// the client's own timeout, 5 s): a frozen dependency is then reported as the check's failure status within the
/// timeout, and readiness answers before a probe gives up on it.
/// </summary>
internal sealed class TimeBoxedHealthCheck(IHealthCheck inner, TimeSpan timeout) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.CheckHealthAsync(context, cancellationToken).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"No answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>
    /// What a check without a timeout of its own gets: a frozen PostgreSQL would otherwise hold readiness for the
    /// client's connect timeout (15 s) and more; well above what a healthy dependency needs even under load.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Wraps every registration, with its own timeout or <see cref="DefaultTimeout"/>.</summary>
    public static void Apply(HealthCheckServiceOptions options)
    {
        foreach (var registration in options.Registrations)
        {
            var factory = registration.Factory;
            var timeout = registration.Timeout == Timeout.InfiniteTimeSpan ? DefaultTimeout : registration.Timeout;
            registration.Timeout = timeout;
            registration.Factory = services => new TimeBoxedHealthCheck(factory(services), timeout);
        }
    }
}
