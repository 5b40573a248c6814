using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TestSupport;

namespace UnitTests.ServiceDefaults;

/// <summary>What a service logs as it stops reaches the telemetry collector (the dashboard locally).</summary>
public class TelemetryAtShutdownTests
{
    [Fact]
    public async Task The_last_log_lines_before_a_stop_reach_an_OTLP_collector()
    {
        var received = new ConcurrentQueue<string>();
        var metricExports = 0;
        await using var collector = await StartCollectorAsync(received, () => Interlocked.Increment(ref metricExports));

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            // Logs and metrics are sent while the service runs, as on the platform. Logs once a second: the line logged
            // right after an export is left for the flush at shutdown.
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "100",
        });
        builder.AddServiceDefaults();
        await using var app = builder.Build();
        await app.StartAsync();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Shutdown");
        logger.LogWarning("a line while running");
        await Eventually.TrueAsync(() => Volatile.Read(ref metricExports) > 0 && received.Any(body => body.Contains("a line while running", StringComparison.Ordinal)),
            "logs and metrics exported while the service runs");

        logger.LogWarning("last words before the stop");
        await app.StopAsync();
        await app.DisposeAsync(); // where the logger provider sends its last batch

        // Before, the exporters used clients from IHttpClientFactory, whose resilience pipeline the container disposed
        // first: the last export failed ("this resilience pipeline has been disposed"), was retried until the
        // provider's shutdown timeout, and its lines were lost.
        Assert.Contains(received, body => body.Contains("last words before the stop", StringComparison.Ordinal));
    }

    /// <summary>An OTLP/HTTP receiver that keeps each logs request's body (protobuf; the message text is in it as UTF-8).</summary>
    private static async Task<WebApplication> StartCollectorAsync(ConcurrentQueue<string> logs, Action metricsReceived)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var collector = builder.Build();
        collector.MapPost("/v1/logs", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            logs.Enqueue(Encoding.UTF8.GetString(body.ToArray()));
            return Results.Bytes([], "application/x-protobuf");
        });
        collector.MapPost("/v1/metrics", () =>
        {
            metricsReceived();
            return Results.Bytes([], "application/x-protobuf");
        });
        collector.MapPost("/v1/traces", () => Results.Bytes([], "application/x-protobuf"));
        await collector.StartAsync();
        return collector;
    }
}
