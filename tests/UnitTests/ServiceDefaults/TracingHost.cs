using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace UnitTests.ServiceDefaults;

/// <summary>
/// A host with the tracing the service defaults set up, listening to an activity source of its own, with the
/// configuration (and clock) a test gives it: what a service records, without a service.
/// </summary>
internal sealed class TracingHost : IDisposable
{
    private readonly IHost _host;

    public TracingHost(TimeProvider? clock, params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.AddServiceDefaults();
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(Source.Name));
        _host = builder.Build();
        // The provider starts listening once it is built.
        _host.Services.GetRequiredService<TracerProvider>();
    }

    public ActivitySource Source { get; } = new($"UnitTests.Tracing.{Guid.NewGuid():N}");

    public void Dispose()
    {
        _host.Dispose();
        Source.Dispose();
    }
}
