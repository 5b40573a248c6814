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
    /// Wraps every registration that sets a timeout. Only those: a check left running past its timeout must own
    /// what it uses (its own connection, the shared multiplexer), never a request's pooled DbContext, which would
    /// go back to the pool mid-connect (the DbContext checks Aspire registers do that, so they keep no timeout).
    /// </summary>
    public static void Apply(HealthCheckServiceOptions options)
    {
        foreach (var registration in options.Registrations.Where(r => r.Timeout != Timeout.InfiniteTimeSpan))
        {
            var factory = registration.Factory;
            var timeout = registration.Timeout;
            registration.Factory = services => new TimeBoxedHealthCheck(factory(services), timeout);
        }
    }
}
