using System.Diagnostics;
using System.Text.Json;
using Aspire.Hosting.Testing;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// The seed's load profile (tests/Load/shop.yml), in its short smoke version, run with the real load tool
/// (Artillery, installed by the scenario's own script) against the real platform through the gateway:
/// browsing, registration and sign-in, baskets and checkouts to Confirmed, with the scenario's gates
/// (p95 under 500 ms, under 1 % of requests failed) deciding the outcome.
/// </summary>
[Collection(PlatformCollection.Name)]
public class LoadScenarioTests(PlatformFixture platform)
{
    private sealed record Orders(int Confirmed, int Cancelled, int Unfinished, int NotPlaced);

    private sealed record Summary(int Requests, int Failed, double P95, int Sessions, Orders Orders, string Gates);

    [Fact]
    public async Task The_smoke_version_of_the_seed_load_profile_passes_its_gates_and_writes_its_report()
    {
        var reports = Path.Combine(AppContext.BaseDirectory, "load-report");
        Directory.CreateDirectory(reports);
        var gateway = platform.App.GetEndpoint("gateway", "http").ToString().TrimEnd('/');

        var start = new ProcessStartInfo(RepositoryFiles.PathOf("tests", "Load", "run.sh"), ["smoke", gateway])
        {
            Environment = { ["LOAD_REPORT_DIR"] = reports },
        };
        // The first run installs Artillery (about a minute here), then the profile runs for 36 s and its last sessions end.
        var run = await ChildProcess.RunAsync(start, TimeSpan.FromMinutes(8));
        var output = run.Output;
        Assert.True(run.ExitCode == 0, $"the load scenario failed ({run.ExitCode}):\n{output}\n{run.Error}");

        // The report's last line is its summary; the gates held, and the run did what a shop does.
        var summary = JsonSerializer.Deserialize<Summary>(output.TrimEnd().Split('\n')[^1], JsonSerializerOptions.Web)!;
        Assert.Equal("passed", summary.Gates);
        Assert.True(summary.Requests > 300, $"the smoke profile sent {summary.Requests} requests");
        Assert.True(summary.Failed * 100 < summary.Requests, $"{summary.Failed} of {summary.Requests} requests failed");
        Assert.True(summary.Orders.Confirmed > 0, $"no checkout of the run was Confirmed: {summary.Orders}");
        Assert.Equal(0, summary.Orders.NotPlaced);
        Assert.True(File.Exists(Path.Combine(reports, "load-smoke.json")), "Artillery's JSON report was written");
        Assert.Contains("<svg", await File.ReadAllTextAsync(Path.Combine(reports, "load-smoke.html")));
    }
}
