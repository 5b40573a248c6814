using System.Net;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace IntegrationTests;

/// <summary>Health, metrics and OpenAPI endpoints every service gets from ServiceDefaults.</summary>
[Collection(PlatformCollection.Name)]
public class ServiceDefaultsTests(PlatformFixture platform)
{
    [Fact]
    public async Task Readiness_reports_each_dependency_of_the_catalog()
    {
        using var catalog = platform.App.CreateHttpClient("catalog");

        var response = await catalog.GetAsync("/health/ready");
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", report.RootElement.GetProperty("status").GetString());
        var checks = report.RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("Healthy", checks["catalogdb"]);
        Assert.Equal("Healthy", checks["redis"]);
    }

    [Theory]
    [InlineData("OTEL_METRIC_EXPORT_INTERVAL", "10000")]
    // Spans and log lines: gathered for 5 s (or until a batch is full), so that no exporter thread wakes every second at rest.
    [InlineData("OTEL_BSP_SCHEDULE_DELAY", "5000")]
    [InlineData("OTEL_BLRP_SCHEDULE_DELAY", "5000")]
    // At most ten new traces a second per process: under load the spans sent no longer grow with the traffic.
    [InlineData("Tracing__TracesPerSecond", "10")]
    // The local runtime settings for a dozen processes on a few cores (AppHost.cs says why for each).
    [InlineData("DOTNET_TieredPGO", "0")]
    [InlineData("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", "0")]
    [InlineData("DOTNET_TC_CallCountThreshold", "300")]
    public async Task Every_local_process_gets_the_platforms_telemetry_intervals_and_runtime_settings(string variable, string expected)
    {
        var model = platform.App.Services.GetRequiredService<DistributedApplicationModel>();
        var context = platform.App.Services.GetRequiredService<DistributedApplicationExecutionContext>();
        var projects = model.Resources.OfType<ProjectResource>().ToList();
        Assert.NotEmpty(projects);

        foreach (var project in projects)
        {
            var configuration = await ExecutionConfigurationBuilder.Create(project).WithEnvironmentVariablesConfig()
                .BuildAsync(context, NullLogger.Instance, CancellationToken.None);
            var values = configuration.EnvironmentVariables.Where(e => e.Key == variable).Select(e => e.Value).ToList();
            Assert.True(values.Count == 1 && values[0] == expected, $"{project.Name} gets {variable}={expected}, not [{string.Join(", ", values)}]");
        }
    }

    [Fact]
    public async Task Liveness_checks_only_the_process_itself()
    {
        using var catalog = platform.App.CreateHttpClient("catalog");

        using var report = JsonDocument.Parse(await catalog.GetStringAsync("/health/live"));

        Assert.Equal(["self"], report.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Theory]
    [InlineData("catalog")]
    [InlineData("gateway")]
    public async Task Prometheus_metrics_are_served(string resource)
    {
        using var client = platform.App.CreateHttpClient(resource);
        await client.GetAsync("/health/live"); // at least one request recorded

        var metrics = await client.GetStringAsync("/metrics");

        Assert.Contains("http_server_request_duration_seconds", metrics);
    }

    [Fact]
    public async Task The_catalog_publishes_its_openapi_document()
    {
        using var catalog = platform.App.CreateHttpClient("catalog");

        using var document = JsonDocument.Parse(await catalog.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");

        Assert.True(paths.TryGetProperty("/api/catalog/items", out _));
        Assert.True(paths.TryGetProperty("/api/catalog/items/{id}", out _));
    }

    [Fact]
    public async Task The_gateway_does_not_route_unknown_paths()
    {
        var response = await platform.Gateway.GetAsync("/api/unknown/things");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        // The API's 404, not the storefront's page (which serves every path outside /api).
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
