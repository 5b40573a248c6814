using Polly;
using Polly.CircuitBreaker;

namespace Catalog.Api.Apis;

/// <summary>
/// The circuit that product and product-list reads from the catalog's database go through (a product request makes at most
/// two: the one that fills the cache and, if that one is not answered in time, one more; a list request one). Once reads go
/// unanswered within their deadline (half of them, at least four, in 30 s), the database is not asked for 5 s: a product
/// with a kept copy, or a list whose page this replica kept (<see cref="LastKnownPages"/>), is served from it at once (a
/// product without a copy still asks the database). Without it, every read whose cached copy had expired waited out two
/// deadlines during an outage and left two more commands waiting on a frozen server.
/// </summary>
public static class DatabaseReadCircuit
{
    /// <summary>The resilience pipeline's name (registered in the catalog's Extensions).</summary>
    public const string PipelineName = "catalog-database-reads";

    /// <summary>The <c>Cache-Status</c> (RFC 9211) of an answer from a kept copy (a product or a list page) while the circuit kept the database out.</summary>
    public const string NotAskedStatus = "catalog; hit; detail=database-not-asked";

    /// <summary>The <c>Cache-Status</c> of an answer from a kept copy after the database did not answer in time.</summary>
    public const string UnansweredStatus = "catalog; hit; detail=database-unanswered";

    /// <remarks>Polly's telemetry logs the circuit opening (an error, with the failure that opened it) and closing.</remarks>
    public static void Build(ResiliencePipelineBuilder pipeline) =>
        pipeline.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5,
            // Four: neither one slow request (two reads) nor a cold replica's first read opens it. A long sampling window,
            // as a replica behind a balancer sees a fraction of the reads of any one product.
            MinimumThroughput = 4,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(5),
            // Every failure counts (a deadline passed, a refused or broken connection); a read is cancelled only by its own
            // deadline, which it reports as a TimeoutException, so a caller that leaves is never one of them.
        });
}
