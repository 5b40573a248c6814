using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Names every background loop of the process that has died. Loops are written to outlive any failure
/// (log, back off, resume); this is the last line of defence behind them. The host is told to ignore a
/// loop's exception (<see cref="BackgroundServiceExceptionBehavior.Ignore"/>) rather than stop, so the
/// process keeps serving what it still can, and readiness turns Unhealthy with the loop's name and error
/// instead of the process vanishing.
/// </summary>
internal sealed class BackgroundServicesHealthCheck(IEnumerable<IHostedService> hostedServices) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var dead = hostedServices.OfType<BackgroundService>()
            .Where(service => service.ExecuteTask is { IsFaulted: true })
            .Select(service => $"{service.GetType().Name} died: {service.ExecuteTask!.Exception!.GetBaseException().Message}")
            .ToList();
        return Task.FromResult(dead.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy(string.Join("; ", dead)));
    }
}
