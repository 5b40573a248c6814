using System.ComponentModel.DataAnnotations;

namespace Gateway.Failover;

/// <summary>Passive failover settings, section <c>Gateway:Failover</c>.</summary>
public sealed class FailoverOptions
{
    public const string SectionName = "Failover";

    /// <summary>Tries per request, the first included; each on a destination not tried yet. 1 turns failover off.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;
}
