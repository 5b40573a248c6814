using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace UnitTests.ServiceDefaults;

/// <summary>A dependency check that never answers (a frozen server, a client that ignores cancellation) is held to its timeout.</summary>
public class TimeBoxedHealthCheckTests
{
    [Fact]
    public async Task A_check_that_ignores_cancellation_reports_its_failure_status_at_its_timeout()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        var never = new TaskCompletionSource<HealthCheckResult>();
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("frozen-cache", _ => new FrozenCheck(never.Task),
            HealthStatus.Degraded, [Extensions.ReadyTag], TimeSpan.FromMilliseconds(200)));
        await using var app = builder.Build();

        var report = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(HealthStatus.Degraded, report.Entries["frozen-cache"].Status);
        Assert.Equal(HealthStatus.Degraded, report.Status);
    }

    private sealed class FrozenCheck(Task<HealthCheckResult> answer) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => answer;
    }
}
