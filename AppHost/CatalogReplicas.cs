using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AppHost;

/// <summary>
/// How many catalog replicas run (parameter <c>catalog-replicas</c>, 1 to 4) and what they are called. The gateway's
/// clusters list all four; it leaves out the ones not run.
/// </summary>
public static class CatalogReplicas
{
    public const string Setting = "Parameters:catalog-replicas";

    /// <summary>In the gateway's order: three primaries weighted 3/2/1, then the backup used when no primary is healthy.</summary>
    public static readonly IReadOnlyList<string> Names = ["catalog", "catalog-2", "catalog-3", "catalog-backup"];

    /// <summary>
    /// Locally, one replica per core: at least two, so the weighted split (3:2) still shows, and all four (the backup
    /// pool too) from four cores. Every replica is a .NET process that starts, idles and is probed; on two cores
    /// two more of them made the start about a quarter longer and the platform at rest busier (docs/benchmarks.md).
    /// </summary>
    public static int LocalDefault(int processorCount) => Math.Clamp(processorCount, 2, Names.Count);

    /// <summary>The count the model is built with: the setting when given, else one when publishing (a cluster runs
    /// catalog as one Deployment its autoscaler scales) and <see cref="LocalDefault"/> of this machine when running.</summary>
    public static int Count(IDistributedApplicationBuilder builder)
    {
        var setting = builder.Configuration[Setting];
        if (setting is null)
        {
            return builder.ExecutionContext.IsPublishMode ? 1 : LocalDefault(Environment.ProcessorCount);
        }

        return int.TryParse(setting, out var count) && count >= 1 && count <= Names.Count
            ? count
            : throw new ArgumentException($"{Setting} must be a whole number from 1 to {Names.Count}, not '{setting}'.");
    }

    /// <summary>Says at start-up how many replicas run and why, as the infrastructure mode is said.</summary>
    public static void LogChoice(IDistributedApplicationBuilder builder, int count)
    {
        var why = builder.Configuration[Setting] is null
            ? $"one per core on {Environment.ProcessorCount} cores, 2 to {Names.Count}; {Setting} chooses"
            : $"{Setting}";
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AppHost.Catalog")
                .LogInformation("Catalog replicas: {Replicas} ({Reason})", string.Join(", ", Names.Take(count)), why);
            return Task.CompletedTask;
        });
    }
}
