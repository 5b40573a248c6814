using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AppHost.Infrastructure;

/// <summary>
/// Who stops the platform's processes if DCP's controller (<c>dcp run-controllers</c>, the parent of every process it runs)
/// is killed on its own. DCP's answer is one <c>dcp monitor-process</c> per process it starts, each checking the controller
/// every second: in local mode that was 13 more processes, 12–13 ms of CPU a second and 226–257 MB of memory at rest
/// (docs/benchmarks.md). Here the AppHost waits for the controller's exit instead, on one thread that costs nothing while it
/// waits, and then stops what the controller started and itself. An ordinary stop, or a killed AppHost, is DCP's own
/// clean-up, as before (its API server watches the AppHost and stops the controller, which stops its processes). If the
/// AppHost and the controller are killed together, nothing is left to stop the rest: the next start on the same data
/// directory does (every process it starts carries the data directory in its environment).
/// </summary>
public static class LocalProcessSupervision
{
    /// <summary>DCP starts no per-process monitors while this variable is set (any value) in its environment.</summary>
    public const string DisableDcpMonitorsVariable = "DCP_DISABLE_MONITOR_PROCESS";

    /// <summary>How long stopped processes get to end before they are killed.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);

    /// <summary>The data directory of the platform that started a process, in the environment of every process it starts.</summary>
    public const string DataDirectoryVariable = "ECOMMERCE_ASPIRE_DATA_DIRECTORY";

    public static IDistributedApplicationBuilder SuperviseLocalProcesses(this IDistributedApplicationBuilder builder, string dataDirectory)
    {
        if (!OperatingSystem.IsLinux() || !builder.ExecutionContext.IsRunMode)
        {
            return builder; // pidfd is Linux's; elsewhere DCP's monitors stay
        }

        // What an earlier platform on this data directory left running would hold PostgreSQL's data directory and the ports
        // this start needs, and the start would wait for them for ever.
        var leftovers = Leftovers(dataDirectory);
        if (leftovers.Count > 0)
        {
            ProcessTrees.Stop(leftovers, StopGrace);
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            if (leftovers.Count > 0)
            {
                e.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LocalProcessSupervision))
                    .LogWarning("Stopped {Count} processes that an earlier platform on {DataDirectory} left running", leftovers.Count, dataDirectory);
            }

            foreach (var resource in e.Model.Resources.Where(r => r is ExecutableResource or ProjectResource))
            {
                resource.Annotations.Add(new EnvironmentCallbackAnnotation(environment => environment[DataDirectoryVariable] = dataDirectory));
            }

            return Task.CompletedTask;
        });

        // DCP inherits the AppHost's environment, and starts after this.
        Environment.SetEnvironmentVariable(DisableDcpMonitorsVariable, "1");
        builder.Services.AddHostedService<DcpControllerWatch>();
        return builder;
    }

    /// <summary>
    /// The processes started for a platform on <paramref name="dataDirectory"/> that no running DCP controller runs any more:
    /// what is left when the AppHost and the controller were killed together. A platform still running on it is not touched.
    /// </summary>
    public static List<int> Leftovers(string dataDirectory) => ProcessTrees.All()
        .Where(pid => pid != Environment.ProcessId && (ProcessTrees.Variable(pid, DataDirectoryVariable) == dataDirectory || IsServerOf(pid, dataDirectory))
            && !ProcessTrees.Ancestors(pid).Any(IsDcpController))
        .ToList();

    // Redis and PostgreSQL write their process titles over their environment, so the variable cannot be read back from
    // them; each works in its own directory under the data directory.
    private static bool IsServerOf(int pid, string dataDirectory) =>
        ProcessTrees.Name(pid) is "redis-server" or "postgres"
        && ProcessTrees.WorkingDirectory(pid) is { } directory
        && (directory == dataDirectory || directory.StartsWith(dataDirectory + "/", StringComparison.Ordinal));

    internal static bool IsDcpController(int pid) =>
        ProcessTrees.Arguments(pid) is [var command, "run-controllers", ..] && Path.GetFileName(command) == "dcp";
}

/// <summary>
/// Keeps the process of each running resource from Aspire's resource notifications, and watches their parent, DCP's
/// controller, from the first one on: if it ends while the AppHost runs, stops them and the AppHost.
/// </summary>
public sealed class DcpControllerWatch(ResourceNotificationService notifications, IHostApplicationLifetime lifetime, ILogger<DcpControllerWatch> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, int> _pids = new();
    private readonly TaskCompletionSource<int> _watching = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _controller;

    /// <summary>Completes with the pid of DCP's controller once its exit is watched.</summary>
    public Task<int> Watching => _watching.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken))
            {
                var pid = update.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
                if (update.Snapshot.State?.Text == KnownResourceStates.Running
                    && int.TryParse(Convert.ToString(pid, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture, out var id))
                {
                    _pids[update.ResourceId] = id;
                    if (_controller == 0)
                    {
                        Watch(id, stoppingToken);
                    }
                }
                else
                {
                    _pids.TryRemove(update.ResourceId, out _);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Watch(int resourcePid, CancellationToken stoppingToken)
    {
        if (ProcessTrees.Parent(resourcePid) is not { } parent || !LocalProcessSupervision.IsDcpController(parent))
        {
            return; // not started by DCP's controller (or already ended): the next resource tells
        }

        _controller = parent;
        if (!ProcessExitWatch.Start(parent, () => ControllerEnded(parent, stoppingToken)))
        {
            logger.LogWarning("DCP's controller (pid {Pid}) cannot be watched (pidfd_open): if it is killed, what it started keeps running", parent);
            return;
        }

        logger.LogDebug("Watching DCP's controller (pid {Pid}) in place of a monitor process per resource", parent);
        _watching.TrySetResult(parent);
    }

    private void ControllerEnded(int controller, CancellationToken stoppingToken)
    {
        try
        {
            if (stoppingToken.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
            {
                return; // the AppHost is stopping, and DCP with it
            }

            var pids = _pids.Values.ToList();
            logger.LogError("DCP's controller (pid {Pid}) ended while the platform was running: stopping what it started ({Count} processes), then the AppHost",
                controller, pids.Count);
            ProcessTrees.Stop(pids, LocalProcessSupervision.StopGrace);
            lifetime.StopApplication();
        }
        catch (ObjectDisposedException)
        {
            // The AppHost was disposed meanwhile: nothing is left to stop.
        }
#pragma warning disable CA1031 // on this thread an exception would end the AppHost, which is not what a failed clean-up should do
        catch (Exception e)
#pragma warning restore CA1031
        {
            logger.LogError(e, "Stopping the processes of DCP's controller (pid {Pid}) failed", controller);
        }
    }
}

/// <summary>Runs an action once a process has ended, from a thread blocked on the process's pidfd (no polling).</summary>
public static partial class ProcessExitWatch
{
    private const int PidfdOpen = 434; // the same number on every Linux architecture
    private const short PollIn = 1;

    private const int NoSuchProcess = 3; // ESRCH
    private const int Interrupted = 4; // EINTR

    /// <returns>
    /// False when the process cannot be watched (a kernel before 5.3). A process that has already ended counts as watched:
    /// the action then runs at once.
    /// </returns>
    public static bool Start(int pid, Action onExit)
    {
        var fd = (int)syscall(PidfdOpen, pid, 0);
        if (fd < 0)
        {
            if (Marshal.GetLastPInvokeError() != NoSuchProcess)
            {
                return false;
            }

            onExit();
            return true;
        }

        var thread = new Thread(() =>
        {
            var poll = new PollFd { Fd = fd, Events = PollIn };
            // Interrupted by a signal: wait again.
            while (Poll(ref poll, 1, -1) < 0 && Marshal.GetLastPInvokeError() == Interrupted)
            {
            }

            Close(fd);
            onExit();
        })
        {
            IsBackground = true,
            Name = $"exit watch {pid}",
        };
        thread.Start();
        return true;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    // syscall(2) is variadic; with integer arguments only, the calling convention is the plain one on x64 and arm64 Linux.
    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, ulong count, int timeout);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}

/// <summary>Process trees read from /proc, stopped with SIGTERM and, after a grace period, SIGKILL.</summary>
public static partial class ProcessTrees
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    public static IEnumerable<int> All() => Directory.EnumerateDirectories("/proc")
        .Select(Path.GetFileName).Select(name => int.TryParse(name, out var pid) ? pid : 0).Where(pid => pid > 0);

    public static string[] Arguments(int pid) => Read(pid, "cmdline")?.Split('\0', StringSplitOptions.RemoveEmptyEntries) ?? [];

    public static int? Parent(int pid) =>
        Stat(pid) is { } fields && int.TryParse(fields[1], CultureInfo.InvariantCulture, out var parent) ? parent : null;

    /// <summary>The process's parent, its parent's parent, and so on up to init.</summary>
    public static IEnumerable<int> Ancestors(int pid)
    {
        while (Parent(pid) is { } parent and > 0)
        {
            yield return parent;
            pid = parent;
        }
    }

    /// <summary>The name a process was started as (<c>comm</c>: Debian's redis-server is a link to another file); null once it ended.</summary>
    public static string? Name(int pid) => Read(pid, "comm")?.TrimEnd('\n');

    /// <summary>The working directory of a process; null if it ended or cannot be read.</summary>
    public static string? WorkingDirectory(int pid) => Link($"/proc/{pid}/cwd");

    private static string? Link(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The value of an environment variable of a process, as it was started; null if unset or unreadable.</summary>
    public static string? Variable(int pid, string name)
    {
        var prefix = name + "=";
        return Read(pid, "environ")?.Split('\0').FirstOrDefault(entry => entry.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
    }

    /// <summary>Each root and everything below it, roots first.</summary>
    public static List<int> WithDescendants(IEnumerable<int> roots)
    {
        var children = All().Select(pid => (pid, parent: Parent(pid))).Where(p => p.parent is not null)
            .ToLookup(p => p.parent!.Value, p => p.pid);
        var tree = new List<int>();
        var next = new Queue<int>(roots);
        while (next.TryDequeue(out var pid))
        {
            if (!tree.Contains(pid))
            {
                tree.Add(pid);
                foreach (var child in children[pid])
                {
                    next.Enqueue(child);
                }
            }
        }

        return tree;
    }

    /// <summary>Asks every process of the trees to stop, and kills those still there after <paramref name="grace"/>.</summary>
    public static void Stop(IEnumerable<int> roots, TimeSpan grace)
    {
        var tree = WithDescendants(roots);
        foreach (var pid in tree)
        {
            _ = Kill(pid, SigTerm);
        }

        var deadline = DateTime.UtcNow + grace;
        while (tree.Any(IsAlive) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(200); // a one-off wait for processes that are stopping, not a loop that runs while idle
        }

        foreach (var pid in tree.Where(IsAlive))
        {
            _ = Kill(pid, SigKill);
        }
    }

    // A zombie (ended, not yet waited for by its parent) has done stopping.
    private static bool IsAlive(int pid) => Stat(pid) is { } fields && fields[0] != "Z";

    /// <summary>The fields of /proc/&lt;pid&gt;/stat after the command name (state, parent, ...); null once the process is gone.</summary>
    // The command name, in parentheses, may hold spaces and parentheses: the fields follow the last ')'.
    private static string[]? Stat(int pid) => Read(pid, "stat") is { } stat ? stat[(stat.LastIndexOf(')') + 2)..].Split(' ') : null;

    /// <summary>One of a process's files under /proc; null if the process ended meanwhile or is another user's.</summary>
    private static string? Read(int pid, string file)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/{file}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
