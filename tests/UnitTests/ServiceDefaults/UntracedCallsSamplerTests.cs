using System.Diagnostics;

namespace UnitTests.ServiceDefaults;

/// <summary>
/// Which spans a service records, with the tracing the service defaults set up: calls made outside any trace
/// (an idle poll's query, a probe) are left out; a request's or an event's own calls are kept; and the sampler the
/// environment configures still decides the rest.
/// </summary>
public sealed class UntracedCallsSamplerTests : IDisposable
{
    private TracingHost? _host;

    [Fact]
    public void A_call_made_outside_any_trace_is_not_recorded()
    {
        Start();

        using var poll = Source.StartActivity("SELECT outbox", ActivityKind.Client);

        Assert.False(poll?.Recorded ?? false);
    }

    [Fact]
    public void A_requests_own_calls_are_recorded()
    {
        Start();

        using var request = Source.StartActivity("GET /api/orders", ActivityKind.Server);
        using var query = Source.StartActivity("SELECT orders", ActivityKind.Client);

        Assert.True(request?.Recorded);
        Assert.True(query?.Recorded);
        Assert.Equal(request!.TraceId, query!.TraceId);
    }

    [Theory]
    [InlineData(ActivityKind.Consumer)]
    [InlineData(ActivityKind.Producer)]
    [InlineData(ActivityKind.Internal)]
    public void Work_of_our_own_that_starts_a_trace_is_recorded(ActivityKind kind)
    {
        Start();

        using var work = Source.StartActivity("order.submitted process", kind);

        Assert.True(work?.Recorded);
    }

    [Fact]
    public void The_configured_sampler_still_decides_what_is_not_an_untraced_call()
    {
        Start(("OTEL_TRACES_SAMPLER", "always_off"));

        using var request = Source.StartActivity("GET /api/orders", ActivityKind.Server);

        Assert.False(request?.Recorded ?? false);
    }

    private void Start(params (string Key, string Value)[] settings) => _host = new TracingHost(null, settings);

    private ActivitySource Source => _host!.Source;

    public void Dispose() => _host?.Dispose();
}
