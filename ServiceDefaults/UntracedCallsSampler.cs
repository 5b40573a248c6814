using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Leaves out the calls a process makes outside any trace: a database query, a Redis command or an HTTP call
/// that no request, event or job of ours started (an outbox's safety poll, a consumer's look at its stream, a
/// lock renewal, a health probe). At rest these were all a service exported, every second or so, and the
/// dashboard spent its time taking them in. The same calls made while serving a request or handling an event
/// have a parent and are sampled as the configured sampler says.
/// </summary>
public sealed class UntracedCallsSampler(Sampler configured) : Sampler
{
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Kind == ActivityKind.Client && samplingParameters.ParentContext.TraceId == default
            ? Drop
            : configured.ShouldSample(samplingParameters);
}
