using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Health;

namespace Gateway.Failover;

/// <summary>
/// Refuses to start when the passive check's failure-rate window (<c>Gateway:PassiveHealth:DetectionWindowSize</c>) is
/// longer than a cluster's passive <c>ReactivationPeriod</c>: YARP keeps an ejected destination out for the longer of the
/// two, so that cluster's period would silently not apply.
/// </summary>
internal sealed class PassiveHealthWindowValidation(IConfiguration configuration) : IValidateOptions<TransportFailureRateHealthPolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, TransportFailureRateHealthPolicyOptions options)
    {
        var failures = new List<string>();
        foreach (var cluster in configuration.GetSection("ReverseProxy:Clusters").GetChildren())
        {
            var passive = cluster.GetSection("HealthCheck:Passive");
            // The window belongs to the failure-rate policy, YARP's passive policy unless a cluster names another.
            var policy = passive["Policy"];
            var failureRate = string.IsNullOrEmpty(policy) ||
                string.Equals(policy, HealthCheckConstants.PassivePolicy.TransportFailureRate, StringComparison.OrdinalIgnoreCase);
            if (passive.GetValue<bool>("Enabled") && failureRate && passive.GetValue<TimeSpan?>("ReactivationPeriod") is { } period
                && period < options.DetectionWindowSize)
            {
                failures.Add($"ReverseProxy:Clusters:{cluster.Key}:HealthCheck:Passive:ReactivationPeriod ({period}) is shorter than " +
                    $"Gateway:PassiveHealth:DetectionWindowSize ({options.DetectionWindowSize}), which would hold its ejected destinations out instead.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
