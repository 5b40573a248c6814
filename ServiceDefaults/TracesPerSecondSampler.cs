using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Records at most <c>limit</c> new traces a second in this process (<c>Tracing:TracesPerSecond</c>); within that the
/// configured sampler decides. A span whose trace began elsewhere follows the configured sampler alone, so a trace
/// that was recorded stays whole across services. At the rate a person uses the platform every trace is kept; under
/// load the telemetry a process sends, and what the dashboard writes to its store, no longer grows with the traffic
/// (a signed-in product read through the gateway at 14,000 requests a second kept the dashboard busy on a third of
/// the machine: docs/benchmarks.md).
/// </summary>
public sealed class TracesPerSecondSampler : Sampler
{
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    private readonly Sampler _configured;
    private readonly long _limit;
    private readonly TimeProvider _clock;

    // The current second (high 32 bits) and the traces recorded in it (low 32), swapped as one value.
    private long _window;

    public TracesPerSecondSampler(Sampler configured, int limit, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        _configured = configured;
        _limit = limit;
        _clock = clock;
        Description = $"TracesPerSecond{{{limit}, {configured.Description}}}";
    }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        var result = _configured.ShouldSample(samplingParameters);
        return samplingParameters.ParentContext.TraceId != default || result.Decision == SamplingDecision.Drop || TryTakeOne()
            ? result
            : Drop;
    }

    private bool TryTakeOne()
    {
        var second = (_clock.GetTimestamp() / _clock.TimestampFrequency) & int.MaxValue; // to fit beside the count
        while (true)
        {
            var window = Volatile.Read(ref _window);
            var taken = (window >> 32) == second ? window & uint.MaxValue : 0;
            if (taken >= _limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _window, (second << 32) | (taken + 1), window) == window)
            {
                return true;
            }
        }
    }
}
