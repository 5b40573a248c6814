using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace IntegrationTests;

/// <summary>How the AppHost starts the platform's own processes, and what runs in them.</summary>
[Collection(PlatformCollection.Name)]
public class ProcessLaunchTests(PlatformFixture platform)
{
    [Fact]
    public void Every_service_runs_from_its_build_output_with_no_dotnet_run_process_in_front_of_it()
    {
        foreach (var (project, pid) in Processes())
        {
            // The process Aspire started is the service itself: `dotnet <its assembly>`. With the default it is
            // `dotnet run --project …`, an SDK process of about 130 MB that starts the service as its child.
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            var assembly = Path.GetFileNameWithoutExtension(project.GetProjectMetadata().ProjectPath) + ".dll";
            Assert.True(commandLine is [_, var path] && Path.GetFileName(commandLine[0]) == "dotnet" && Path.GetFileName(path) == assembly,
                $"{project.Name} (pid {pid}) runs `{string.Join(' ', commandLine)}`, not `dotnet …/{assembly}`");
        }
    }

    [Fact]
    public void Every_service_reads_redis_on_the_thread_pool_with_no_socket_threads_of_its_own()
    {
        foreach (var (project, pid) in Processes())
        {
            // StackExchange.Redis's default socket manager runs threads named "DefaultSocketManager" (the kernel
            // keeps 15 characters of a thread's name); with SocketManager.ThreadPool there are none.
            var threads = Directory.GetDirectories($"/proc/{pid}/task").Select(ThreadName).OfType<string>().ToList();
            Assert.True(threads.Contains(".NET TP Worker"), $"{project.Name} (pid {pid}) has no thread-pool thread: [{string.Join(", ", threads)}]");
            Assert.False(threads.Any(name => name.StartsWith("DefaultSocketMa", StringComparison.Ordinal)),
                $"{project.Name} (pid {pid}) runs StackExchange.Redis's own socket threads: [{string.Join(", ", threads)}]");
        }
    }

    /// <summary>A thread's name, or null for one that ended between the listing and the read (the pool retires idle threads).</summary>
    private static string? ThreadName(string task)
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "comm")).Trim();
        }
        catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException)
        {
            return null;
        }
    }

    private List<(ProjectResource Project, int Pid)> Processes()
    {
        var projects = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ProjectResource>().ToList();
        Assert.Equal(12, projects.Count);
        return projects.Select(project =>
        {
            Assert.True(platform.App.ResourceNotifications.TryGetCurrentState(project.Name, out var state), $"no state for {project.Name}");
            return (project, Convert.ToInt32(state.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value));
        }).ToList();
    }
}
