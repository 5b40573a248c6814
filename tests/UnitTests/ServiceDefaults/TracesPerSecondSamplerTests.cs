using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace UnitTests.ServiceDefaults;

/// <summary>
/// How many new traces a service records a second, with the tracing the service defaults set up and
/// <c>Tracing:TracesPerSecond</c>: no more than that many start in one second, the next second starts again,
/// and a recorded trace stays whole whatever the count.
/// </summary>
public sealed class TracesPerSecondSamplerTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new();
    private TracingHost? _host;

    [Fact]
    public void No_more_traces_start_in_one_second_than_the_limit_and_the_next_second_starts_afresh()
    {
        Start(("Tracing:TracesPerSecond", "3"));

        Assert.Equal(3, RecordedOf(10));

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, RecordedOf(10));
    }

    [Fact]
    public void Every_trace_is_recorded_below_the_limit()
    {
        Start(("Tracing:TracesPerSecond", "10"));

        Assert.Equal(4, RecordedOf(4));
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(6, RecordedOf(6));
    }

    [Fact]
    public void The_spans_of_a_recorded_trace_are_recorded_past_the_limit()
    {
        Start(("Tracing:TracesPerSecond", "1"));

        using var request = Source.StartActivity("GET /api/orders", ActivityKind.Server);
        Assert.True(request?.Recorded);
        for (var i = 0; i < 5; i++)
        {
            using var query = Source.StartActivity("SELECT orders", ActivityKind.Client);
            Assert.True(query?.Recorded);
            Assert.Equal(request!.TraceId, query!.TraceId);
        }
    }

    [Fact]
    public void Calls_left_out_as_untraced_do_not_count_towards_the_limit()
    {
        Start(("Tracing:TracesPerSecond", "2"));

        for (var i = 0; i < 5; i++)
        {
            using var poll = Source.StartActivity("SELECT outbox", ActivityKind.Client);
            Assert.False(poll?.Recorded ?? false);
        }

        Assert.Equal(2, RecordedOf(5));
    }

    [Fact]
    public void Without_a_limit_every_trace_is_recorded()
    {
        Start();

        Assert.Equal(200, RecordedOf(200));
    }

    private int RecordedOf(int traces)
    {
        var recorded = 0;
        for (var i = 0; i < traces; i++)
        {
            using var request = Source.StartActivity("GET /api/catalog/items/1", ActivityKind.Server);
            recorded += request?.Recorded == true ? 1 : 0;
        }

        return recorded;
    }

    private void Start(params (string Key, string Value)[] settings) => _host = new TracingHost(_clock, settings);

    private ActivitySource Source => _host!.Source;

    public void Dispose() => _host?.Dispose();
}
