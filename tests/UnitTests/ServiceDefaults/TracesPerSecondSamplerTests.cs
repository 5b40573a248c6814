using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Trace;

namespace UnitTests.ServiceDefaults;

/// <summary>
/// How many new traces a service records a second, with the tracing the service defaults set up and
/// <c>Tracing:TracesPerSecond</c>: no more than that many start in one second, the next second starts again,
/// and a recorded trace stays whole whatever the count.
/// </summary>
public sealed class TracesPerSecondSamplerTests : IDisposable
{
    private readonly ActivitySource _source = new($"UnitTests.TracesPerSecond.{Guid.NewGuid():N}");
    private readonly FakeTimeProvider _clock = new();
    private IHost? _host;

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

        using var request = _source.StartActivity("GET /api/orders", ActivityKind.Server);
        Assert.True(request?.Recorded);
        for (var i = 0; i < 5; i++)
        {
            using var query = _source.StartActivity("SELECT orders", ActivityKind.Client);
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
            using var poll = _source.StartActivity("SELECT outbox", ActivityKind.Client);
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
            using var request = _source.StartActivity("GET /api/catalog/items/1", ActivityKind.Server);
            recorded += request?.Recorded == true ? 1 : 0;
        }

        return recorded;
    }

    private void Start(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.Services.AddSingleton<TimeProvider>(_clock);
        builder.AddServiceDefaults();
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(_source.Name));
        _host = builder.Build();
        _host.Services.GetRequiredService<TracerProvider>();
    }

    public void Dispose()
    {
        _host?.Dispose();
        _source.Dispose();
    }
}
