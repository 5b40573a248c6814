using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace UnitTests.ServiceDefaults;

/// <summary>The last line of defence: a background loop that dies anyway ends no process and is named by readiness.</summary>
public class BackgroundServiceFailureTests
{
    [Fact]
    public async Task A_loop_that_throws_leaves_the_process_running_and_readiness_names_it()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        builder.Services.AddHostedService<DyingLoop>();
        await using var app = builder.Build();
        await app.StartAsync();

        var loop = app.Services.GetServices<IHostedService>().OfType<DyingLoop>().Single();
        await Assert.ThrowsAsync<TimeoutException>(() => loop.ExecuteTask!);
        var report = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.False(app.Lifetime.ApplicationStopping.IsCancellationRequested, "the process began to stop when a loop died");
        var entry = report.Entries[Extensions.BackgroundServicesCheckName];
        Assert.Contains(nameof(DyingLoop), entry.Description);
        Assert.Contains("dependency frozen", entry.Description);
        Assert.Equal(HealthStatus.Healthy, report.Entries["self"].Status);
    }

    private sealed class DyingLoop : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new TimeoutException("dependency frozen");
        }
    }
}
