using System.Diagnostics;
using AppHost.Infrastructure;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// Locally, DCP runs no monitor process beside each process it starts; the AppHost watches DCP's controller instead and,
/// if the controller is killed, stops what it started and itself (<see cref="LocalProcessSupervision"/>).
/// </summary>
public class LocalProcessSupervisionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Killing_DCPs_controller_stops_what_it_started_and_the_AppHost_with_no_monitor_process_per_resource()
    {
        // A real DCP and one executable resource: a shell with a child of its own, like PostgreSQL under its script.
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = [],
            AssemblyName = typeof(LocalProcessSupervision).Assembly.GetName().Name, // where Aspire finds DCP
            DisableDashboard = true,
        });
        builder.AddExecutable("sleeper", "bash", Path.GetTempPath(), "-c", "sleep 600 & wait");
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"supervision-{Guid.NewGuid():N}");
        builder.SuperviseLocalProcesses(dataDirectory);
        await using var app = builder.Build();
        var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        await app.StartAsync().WaitAsync(Deadline);

        var running = await app.ResourceNotifications.WaitForResourceAsync("sleeper", e => e.Snapshot.State?.Text == KnownResourceStates.Running)
            .WaitAsync(Deadline);
        var shell = Convert.ToInt32(running.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value);
        var tree = await Eventually.UntilAsync(() => Task.FromResult(ProcessTrees.WithDescendants([shell])), t => t.Count == 2, Deadline,
            "the shell's child to start");
        var controller = ProcessTrees.Parent(shell)!.Value;
        Assert.Equal("run-controllers", ProcessTrees.Arguments(controller)[1]);
        // The watch reads the same notification as this test: killing the controller before it has the controller's pid
        // would leave the shell with another parent, and nothing to watch.
        var watch = app.Services.GetServices<IHostedService>().OfType<DcpControllerWatch>().Single();
        Assert.Equal(controller, await watch.Watching.WaitAsync(Deadline));
        // Marked with its platform's data directory, and not taken for a leftover while its controller runs.
        Assert.Equal(dataDirectory, ProcessTrees.Variable(shell, LocalProcessSupervision.DataDirectoryVariable));
        Assert.Empty(LocalProcessSupervision.Leftovers(dataDirectory));
        Assert.DoesNotContain(ProcessTrees.All(), pid => ProcessTrees.Arguments(pid) is var args
            && args.Contains("monitor-process") && args.Contains(shell.ToString()));

        Process.GetProcessById(controller).Kill();
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(tree.All(Ended)), "the resource's shell and its child to end", Deadline);
            await Eventually.TrueAsync(() => Task.FromResult(stopping.IsCancellationRequested), "the AppHost to stop", Deadline);
        }
        finally
        {
            ProcessTrees.Stop(tree.Where(pid => !Ended(pid)), TimeSpan.Zero); // left when the test fails: nothing else would stop it now
        }
    }

    [Fact]
    public async Task A_start_stops_what_an_earlier_platform_on_its_data_directory_left_running_and_nothing_else()
    {
        // What is left when the AppHost and DCP's controller were killed together: processes marked with the data
        // directory and run by no controller (here their parent is this test). Beside them, one of another platform.
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"supervision-{Guid.NewGuid():N}");
        using var leftover = StartMarked(dataDirectory);
        using var other = StartMarked(dataDirectory + "-other");
        // Redis writes its process title over its environment: it is known by its working directory in the data directory.
        var redisDirectory = Directory.CreateDirectory(Path.Combine(dataDirectory, "redis")).FullName;
        using var redis = Process.Start(new ProcessStartInfo("redis-server",
            ["--port", "0", "--unixsocket", Path.Combine(redisDirectory, "redis.sock"), "--save", "", "--dir", redisDirectory])
        {
            RedirectStandardOutput = true,
        })!;
        var leftovers = await Eventually.UntilAsync(() => Task.FromResult(ProcessTrees.WithDescendants([leftover.Id])), t => t.Count == 2,
            Deadline, "the leftover shell's child to start");
        leftovers.Add(redis.Id);
        var others = await Eventually.UntilAsync(() => Task.FromResult(ProcessTrees.WithDescendants([other.Id])), t => t.Count == 2,
            Deadline, "the other shell's child to start");
        try
        {
            await Eventually.UntilAsync(() => Task.FromResult(LocalProcessSupervision.Leftovers(dataDirectory).Order().ToList()),
                found => found.SequenceEqual(leftovers.Order()), Deadline, "the leftover shell, its child and Redis to be found, and nothing else");

            var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
            {
                Args = [],
                AssemblyName = typeof(LocalProcessSupervision).Assembly.GetName().Name,
                DisableDashboard = true,
            });
            builder.SuperviseLocalProcesses(dataDirectory);

            await Eventually.TrueAsync(() => Task.FromResult(leftovers.All(Ended)), "the leftover shell and its child to end", Deadline);
            Assert.DoesNotContain(others, Ended);
        }
        finally
        {
            ProcessTrees.Stop(leftovers.Concat(others).Where(pid => !Ended(pid)), TimeSpan.Zero);
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task A_process_tree_that_ignores_SIGTERM_is_killed_once_the_grace_period_is_over()
    {
        // Ignoring SIGTERM is inherited: neither the shell nor its child ends when asked.
        using var shell = Process.Start("bash", ["-c", "trap '' TERM; sleep 600 & wait"]);
        var tree = await Eventually.UntilAsync(() => Task.FromResult(ProcessTrees.WithDescendants([shell.Id])), t => t.Count == 2, Deadline,
            "the shell's child to start");

        ProcessTrees.Stop([shell.Id], TimeSpan.FromSeconds(1));

        await Eventually.TrueAsync(() => Task.FromResult(tree.All(Ended)), "the shell and its child to end", Deadline);
    }

    [Fact]
    public async Task The_exit_of_a_process_that_is_not_a_child_is_seen_without_polling_it()
    {
        // The watched process's parent is the shell, not this process, as DCP's controller is not the AppHost's child.
        using var shell = Process.Start(new ProcessStartInfo("bash", ["-c", "sleep 600 & echo $!; wait"]) { RedirectStandardOutput = true })!;
        var sleeper = int.Parse(await shell.StandardOutput.ReadLineAsync() ?? "");
        var exited = new TaskCompletionSource();
        Assert.True(ProcessExitWatch.Start(sleeper, exited.SetResult));
        Assert.False(exited.Task.IsCompleted);

        Process.GetProcessById(sleeper).Kill();

        await exited.Task.WaitAsync(Deadline);
    }

    private static Process StartMarked(string dataDirectory) => Process.Start(new ProcessStartInfo("bash", ["-c", "sleep 600 & wait"])
    {
        Environment = { [LocalProcessSupervision.DataDirectoryVariable] = dataDirectory },
    })!;

    private static bool Ended(int pid) =>
        !File.Exists($"/proc/{pid}/stat") || File.ReadAllText($"/proc/{pid}/stat").Split(") ")[^1][0] == 'Z';
}
