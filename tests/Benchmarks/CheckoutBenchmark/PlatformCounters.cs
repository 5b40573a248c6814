using Npgsql;
using StackExchange.Redis;

namespace CheckoutBenchmark;

/// <summary>
/// What the platform spent, read before and after the measured window: CPU time of every process on
/// the machine (Linux /proc), statements per database (pg_stat_statements, which the local PostgreSQL
/// preloads), transactions per database (pg_stat_database) and commands Redis processed, and how the
/// machine's CPUs spent the window (/proc/stat), including time the hypervisor gave to other guests.
/// </summary>
internal sealed class PlatformCounters(NpgsqlConnection postgres, IConnectionMultiplexer redis, bool statementsAvailable)
{
    internal sealed record Snapshot(
        Dictionary<int, (string Name, double CpuSeconds)> Processes,
        Dictionary<string, long> Transactions,
        Dictionary<string, long> Sessions,
        Dictionary<(string Database, string Query), long>? Statements,
        Dictionary<string, long> RedisCommands,
        MachineTicks Machine)
    {
        /// <summary>CPU seconds used since <paramref name="before"/>, by process name (replicas together), most first.</summary>
        private List<(string Name, double Seconds, int Count)> CpuSince(Snapshot before) => Processes
            .Select(p => (p.Value.Name, Seconds: p.Value.CpuSeconds - (before.Processes.TryGetValue(p.Key, out var b) && b.Name == p.Value.Name ? b.CpuSeconds : 0)))
            .Where(p => p.Seconds > 0)
            .GroupBy(p => p.Name)
            .Select(g => (Name: g.Key, Seconds: g.Sum(p => p.Seconds), Count: g.Count()))
            .OrderByDescending(g => g.Seconds)
            .ToList();

        /// <summary>What the platform uses with no order coming in: CPU milliseconds per second, by process.</summary>
        public void WriteAtRest(Snapshot before, TimeSpan window, TextWriter output)
        {
            var cpu = CpuSince(before);
            output.WriteLine($"at rest ({window.TotalSeconds:F0} s, no orders): {cpu.Sum(p => p.Seconds) * 1000 / window.TotalSeconds:F0} ms of CPU per second; " +
                string.Join(", ", cpu.Where(p => p.Seconds * 1000 / window.TotalSeconds >= 5).Select(p => $"{p.Name} {p.Seconds * 1000 / window.TotalSeconds:F0}")));
            WriteMachine(before, output);
        }

        /// <summary>
        /// Shares of all CPU time in the window: busy, idle, and stolen (this machine is a virtual one; time the
        /// host gave to another guest is neither ours nor idle, and it varies from run to run).
        /// </summary>
        public void WriteMachine(Snapshot before, TextWriter output)
        {
            var (busy, idle, stolen) = (Machine.Busy - before.Machine.Busy, Machine.Idle - before.Machine.Idle, Machine.Stolen - before.Machine.Stolen);
            var total = Math.Max(1, busy + idle + stolen);
            output.WriteLine($"  machine ({Environment.ProcessorCount} CPUs): busy {100.0 * busy / total:F0} %, idle {100.0 * idle / total:F0} %, stolen by the host {100.0 * stolen / total:F1} %");
        }

        public void WriteDifference(Snapshot before, int orders, TextWriter output)
        {
            var cpu = CpuSince(before);
            output.WriteLine("over the measured window:");
            WriteMachine(before, output);
            output.WriteLine($"CPU per order, by process (total {cpu.Sum(p => p.Seconds) * 1000 / orders:F1} ms):");
            foreach (var (name, seconds, count) in cpu.Where(p => p.Seconds * 1000 / orders >= 0.1))
            {
                output.WriteLine($"  {name}{(count > 1 ? $" ({count} processes)" : "")}: {seconds * 1000 / orders:F1} ms");
            }

            output.WriteLine("per order, by database: transactions" + (Statements is null ? "" : " / statements") + " (and connections opened in the window)");
            foreach (var (database, transactions) in Transactions.OrderBy(t => t.Key))
            {
                var perOrder = (transactions - before.Transactions.GetValueOrDefault(database)) / (double)orders;
                if (perOrder >= 0.05)
                {
                    var statements = Statements is null ? "" : $" / {StatementsOf(database) / orders:F1}";
                    output.WriteLine($"  {database}: {perOrder:F1}{statements} ({Sessions.GetValueOrDefault(database) - before.Sessions.GetValueOrDefault(database)})");
                }
            }

            if (Statements is not null)
            {
                var calls = Statements.Select(s => (s.Key, Calls: s.Value - before.Statements!.GetValueOrDefault(s.Key))).ToList();
                // Npgsql resets a pooled connection the next time it is taken, with these seven statements (DISCARD ALL
                // less its DEALLOCATE ALL, as prepared statements are kept): one count per database says how often.
                output.WriteLine("pooled connections taken again (each reset with seven statements), per order: " + string.Join(", ",
                    calls.Where(c => c.Key.Query == "DISCARD SEQUENCES").OrderBy(c => c.Key.Database)
                        .Select(c => $"{c.Key.Database} {c.Calls / (double)orders:F1}")));
                output.WriteLine("the other statements run at least once in ten orders, per order:");
                foreach (var (key, count) in calls.Where(c => !ConnectionReset.Contains(c.Key.Query)).Where(c => c.Calls * 10 >= orders).OrderBy(c => c.Key.Database).ThenByDescending(c => c.Calls))
                {
                    var query = string.Join(' ', key.Query.Split((char[])['\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries));
                    output.WriteLine($"  {count / (double)orders,5:F1}  {key.Database}: {query[..Math.Min(query.Length, 160)]}");
                }
            }

            var redis = RedisCommands.Select(c => (Command: c.Key, Calls: c.Value - before.RedisCommands.GetValueOrDefault(c.Key)))
                .Where(c => c.Calls > 0).OrderByDescending(c => c.Calls).ToList();
            output.WriteLine($"Redis commands per order: {redis.Sum(c => c.Calls) / (double)orders:F1} " +
                $"({string.Join(", ", redis.Take(12).Select(c => $"{c.Command} {c.Calls / (double)orders:F1}"))})");

            double StatementsOf(string database) =>
                Statements!.Where(s => s.Key.Database == database).Sum(s => s.Value - before.Statements!.GetValueOrDefault(s.Key));
        }
    }

    private static readonly HashSet<string> ConnectionReset =
    [
        "CLOSE ALL", "SET SESSION AUTHORIZATION DEFAULT", "RESET ALL", "SELECT pg_advisory_unlock_all()",
        "UNLISTEN *", "DISCARD TEMP", "DISCARD SEQUENCES",
    ];

    public static async Task<PlatformCounters> ConnectAsync(NpgsqlConnection postgres, string redisConnectionString)
    {
        var statements = true;
        try
        {
            await new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", postgres).ExecuteNonQueryAsync();
            await new NpgsqlCommand("SELECT pg_stat_statements_reset()", postgres).ExecuteNonQueryAsync();
        }
        catch (PostgresException)
        {
            statements = false; // not preloaded (a container image's default): transactions only
        }

        return new PlatformCounters(postgres, await ConnectionMultiplexer.ConnectAsync(redisConnectionString + ",allowAdmin=true"), statements);
    }

    public async Task<Snapshot> ReadAsync()
    {
        var transactions = new Dictionary<string, long>();
        await using (var reader = await new NpgsqlCommand(
            "SELECT datname, xact_commit + xact_rollback FROM pg_stat_database WHERE datname IS NOT NULL", postgres).ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                transactions[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        // Connections opened (PostgreSQL 14 and later): a pool that keeps its connections opens none under steady load.
        var sessions = new Dictionary<string, long>();
        await using (var reader = await new NpgsqlCommand(
            "SELECT datname, sessions FROM pg_stat_database WHERE datname IS NOT NULL", postgres).ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                sessions[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        Dictionary<(string, string), long>? statements = null;
        if (statementsAvailable)
        {
            statements = [];
            await using var reader = await new NpgsqlCommand(
                "SELECT d.datname, s.query, sum(s.calls)::bigint FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid GROUP BY 1, 2", postgres).ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                statements[(reader.GetString(0), reader.GetString(1))] = reader.GetInt64(2);
            }
        }

        // cmdstat_xadd: calls=12,usec=...
        var commands = (await redis.GetServers()[0].InfoAsync("commandstats")).SelectMany(group => group)
            .ToDictionary(pair => pair.Key["cmdstat_".Length..], pair => long.Parse(pair.Value.Split(',')[0]["calls=".Length..]));
        return new Snapshot(ReadProcesses(), transactions, sessions, statements, commands, ReadMachine());
    }

    /// <summary>
    /// Events published and not yet handled, over every consumer group of every event stream: entries not yet
    /// read (lag) and read but not acknowledged (pending). Zero when every handler has caught up.
    /// </summary>
    public async Task<long> EventsNotHandledAsync()
    {
        var server = redis.GetServers()[0];
        var database = redis.GetDatabase();
        long waiting = 0;
        await foreach (var key in server.KeysAsync(pattern: "events:*"))
        {
            if (await database.KeyTypeAsync(key) != RedisType.Stream || ((string)key!).Contains(":deadletter:", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var group in (RedisResult[])(await database.ExecuteAsync("XINFO", "GROUPS", key))!)
            {
                var fields = (RedisResult[])group!;
                for (var i = 0; i + 1 < fields.Length; i += 2)
                {
                    if ((string?)fields[i] is "pending" or "lag" && !fields[i + 1].IsNull)
                    {
                        waiting += (long)fields[i + 1];
                    }
                }
            }
        }

        return waiting;
    }

    /// <summary>Clock ticks of all CPUs together since boot: busy, idle (with I/O wait), stolen.</summary>
    internal readonly record struct MachineTicks(long Busy, long Idle, long Stolen);

    private static MachineTicks ReadMachine()
    {
        if (!OperatingSystem.IsLinux())
        {
            return default;
        }

        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
        var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        return new MachineTicks(Busy: ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6], Idle: ticks[3] + ticks[4], Stolen: ticks[7]);
    }

    private static Dictionary<int, (string, double)> ReadProcesses()
    {
        var processes = new Dictionary<int, (string, double)>();
        if (!OperatingSystem.IsLinux())
        {
            return processes;
        }

        var ticksPerSecond = 100.0; // USER_HZ, 100 on Linux
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) "
                var ticks = long.Parse(fields[11]) + long.Parse(fields[12]); // utime, stime
                processes[pid] = (NameOf(pid, File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries)), ticks / ticksPerSecond);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while being read.
            }
        }

        return processes;
    }

    /// <summary>A .NET app by its assembly (dotnet exec X.dll, or its apphost), PostgreSQL backends as one, others by executable.</summary>
    private static string NameOf(int pid, string[] arguments)
    {
        if (pid == Environment.ProcessId)
        {
            return "load generator and AppHost (this benchmark)";
        }

        if (arguments.Length == 0)
        {
            return "kernel threads";
        }

        var dll = arguments.FirstOrDefault(a => a.EndsWith(".dll", StringComparison.Ordinal));
        if (arguments[0] == "dotnet" || arguments[0].EndsWith("/dotnet", StringComparison.Ordinal))
        {
            return dll is null ? "dotnet" : Path.GetFileNameWithoutExtension(dll);
        }

        if (arguments[0].StartsWith("postgres: ", StringComparison.Ordinal))
        {
            // A backend names itself "postgres: user database client state".
            var title = arguments[0].Split(' ');
            return title.Length > 2 ? $"postgres ({title[2]})" : "postgres";
        }

        return Path.GetFileName(arguments[0]);
    }
}
