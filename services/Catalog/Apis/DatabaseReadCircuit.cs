using Polly;
using Polly.CircuitBreaker;

namespace Catalog.Api.Apis;

/// <summary>
/// The circuit that product reads from the catalog's database go through. Once reads go unanswered within their deadline
/// (half of them, at least two, in 10 s), the database is not asked first for 5 s: a product with a kept copy is served from
/// it at once (one without a copy still asks the database). Without it, every read whose cached copy had expired waited out
/// two deadlines during an outage and left two more commands waiting on a frozen server.
/// </summary>
public static class DatabaseReadCircuit
{
    /// <summary>The resilience pipeline's name (registered in the catalog's Extensions).</summary>
    public const string PipelineName = "catalog-database-reads";

    /// <summary>The <c>Cache-Status</c> (RFC 9211) of an answer from a kept copy while the circuit kept the database out.</summary>
    public const string NotAskedStatus = "catalog; hit; detail=database-not-asked";

    /// <summary>The <c>Cache-Status</c> of an answer from a kept copy after the database did not answer in time.</summary>
    public const string UnansweredStatus = "catalog; hit; detail=database-unanswered";

    internal static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);

    /// <remarks>Polly's telemetry logs the circuit opening (an error, with the failure that opened it) and closing.</remarks>
    public static void Build(ResiliencePipelineBuilder pipeline) =>
        pipeline.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 2,
            SamplingDuration = TimeSpan.FromSeconds(10),
            BreakDuration = BreakDuration,
            // Every failure counts (a deadline passed, a refused or broken connection); the reads run uncancelled, so a
            // cancellation is never one of them.
        });
}
