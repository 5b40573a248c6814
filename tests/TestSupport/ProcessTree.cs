using System.Diagnostics;

namespace TestSupport;

/// <summary>
/// Signals a process's descendants (Linux /proc): a server started through a script (PostgreSQL's
/// postmaster and every backend under it) is frozen with SIGSTOP and resumed with SIGCONT as one.
/// </summary>
public static class ProcessTree
{
    /// <summary>The process ids below <paramref name="root"/>, children before grandchildren; the root itself is not included.</summary>
    public static IReadOnlyList<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                // stat: "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                // The process ended while we looked.
            }
        }

        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var child in parents.Where(p => p.Value == parent).Select(p => p.Key))
            {
                found.Add(child);
                frontier.Enqueue(child);
            }
        }

        return found;
    }

    /// <summary>Sends <paramref name="signal"/> (STOP, CONT) to every descendant of <paramref name="root"/>.</summary>
    /// <returns>The processes signalled.</returns>
    public static IReadOnlyList<int> Signal(int root, string signal)
    {
        var pids = Descendants(root);
        if (pids.Count > 0)
        {
            Process.Start("kill", [$"-{signal}", .. pids.Select(p => p.ToString())])!.WaitForExit();
        }

        return pids;
    }
}
