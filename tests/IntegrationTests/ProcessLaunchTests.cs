using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace IntegrationTests;

/// <summary>How the AppHost starts the platform's own processes.</summary>
[Collection(PlatformCollection.Name)]
public class ProcessLaunchTests(PlatformFixture platform)
{
    [Fact]
    public void Every_service_runs_from_its_build_output_with_no_dotnet_run_process_in_front_of_it()
    {
        var projects = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ProjectResource>().ToList();
        Assert.Equal(11, projects.Count);

        foreach (var project in projects)
        {
            Assert.True(platform.App.ResourceNotifications.TryGetCurrentState(project.Name, out var state), $"no state for {project.Name}");
            var pid = Convert.ToInt32(state.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value);
            // The process Aspire started is the service itself: `dotnet <its assembly>`. With the default it is
            // `dotnet run --project …`, an SDK process of about 130 MB that starts the service as its child.
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            var assembly = Path.GetFileNameWithoutExtension(project.GetProjectMetadata().ProjectPath) + ".dll";
            Assert.True(commandLine is [_, var path] && Path.GetFileName(commandLine[0]) == "dotnet" && Path.GetFileName(path) == assembly,
                $"{project.Name} (pid {pid}) runs `{string.Join(' ', commandLine)}`, not `dotnet …/{assembly}`");
        }
    }
}
