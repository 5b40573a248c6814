using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using StackExchange.Redis;
using Xunit;

namespace TestSupport;

/// <summary>
/// Real Redis and PostgreSQL for the building-block tests: Debian's redis-server and PostgreSQL
/// (through the same script the AppHost uses in local mode), on free ports and a temporary data
/// directory, stopped by PID at the end.
/// </summary>
public sealed class LocalServers : IAsyncLifetime
{
    private readonly bool _withPostgres;

    /// <summary>Redis and PostgreSQL. The one public constructor, as xunit's fixtures need.</summary>
    public LocalServers()
        : this(withPostgres: true)
    {
    }

    private LocalServers(bool withPostgres) => _withPostgres = withPostgres;

    /// <summary>Only Redis, for tests that need no database.</summary>
    public static LocalServers RedisOnly() => new(withPostgres: false);

    /// <summary>Picks each server's port; <see cref="FreePort"/> unless a test of this class says otherwise.</summary>
    internal Func<int> ChoosePort { get; init; } = FreePort;

    // A port found free can be taken before the server binds it (another test's server, an outgoing connection's
    // source port): the server then exits at once, and is started again on another port.
    private const int StartAttempts = 3;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "ecommerce-bb-tests", Guid.NewGuid().ToString("N")[..12]);
    private Process? _redis;
    private Process? _postgres;

    public string RedisConnectionString { get; private set; } = "";

    /// <summary>Connection string of the server's maintenance database; tests create their own databases.</summary>
    public string PostgresConnectionString { get; private set; } = "";

    public int RedisPort { get; private set; }

    /// <summary>Freezes redis-server (SIGSTOP): to its clients, a long pause or a partition. <see cref="ThawRedis"/> resumes it.</summary>
    public void FreezeRedis() => Signal("STOP");

    /// <summary>Resumes a frozen redis-server (SIGCONT).</summary>
    public void ThawRedis() => Signal("CONT");

    /// <summary>Freezes the PostgreSQL server and every backend (SIGSTOP to the script's descendants). <see cref="ThawPostgres"/> resumes them.</summary>
    public void FreezePostgres() => ProcessTree.Signal(_postgres!.Id, "STOP");

    /// <summary>Resumes a frozen PostgreSQL (SIGCONT to every process of it, also those started since).</summary>
    public void ThawPostgres() => ProcessTree.Signal(_postgres!.Id, "CONT");

    private void Signal(string signal) => Process.Start("kill", [$"-{signal}", _redis!.Id.ToString()])!.WaitForExit();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        var password = Guid.NewGuid().ToString("N");

        _redis = await StartOnAFreePortAsync("redis-server", port =>
        {
            RedisPort = port;
            RedisConnectionString = $"127.0.0.1:{port},password={password},abortConnect=false";
            return Start("redis-server",
                ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", password]);
        }, async () =>
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionString + ",connectTimeout=1000");
            await redis.GetDatabase().PingAsync();
        });
        if (!_withPostgres)
        {
            return;
        }

        var script = Path.Combine(AppContext.BaseDirectory, "Infrastructure", "postgres-local.sh");
        _postgres = await StartOnAFreePortAsync("PostgreSQL", port =>
        {
            PostgresConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Password={password};Database=postgres";
            return Start("bash", [script], new Dictionary<string, string>
            {
                ["PGDATA"] = Path.Combine(_root, "postgres", "data"),
                ["PGPORT"] = port.ToString(),
                ["POSTGRES_PASSWORD"] = password,
                ["PG_BINDIR"] = PostgresBinDirectory(),
            });
        }, async () =>
        {
            await using var connection = new NpgsqlConnection(PostgresConnectionString + ";Pooling=false;Timeout=2");
            await connection.OpenAsync();
        });
    }

    /// <summary>Starts a server on a port <see cref="ChoosePort"/> gives, and on another if it exits before it answers.</summary>
    private async Task<Process> StartOnAFreePortAsync(string name, Func<int, Process> start, Func<Task> probe)
    {
        for (var attempt = 1; ; attempt++)
        {
            var process = start(ChoosePort());
            if (await WaitUntilAsync(probe, process, name) || attempt == StartAttempts)
            {
                return process.HasExited
                    ? throw new InvalidOperationException($"{name} exited before it answered, on each of {attempt} ports (its errors are in the test output).")
                    : process;
            }

            process.Dispose();
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"test_{Guid.NewGuid():N}"[..20];
        await using (var connection = new NpgsqlConnection(PostgresConnectionString))
        {
            await connection.OpenAsync();
            await new NpgsqlCommand($"CREATE DATABASE {name}", connection).ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Database = name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        // A test that froze a server and failed before thawing it must not leave it stopped: a frozen process would
        // hold its SIGTERM until the 30 s below and then be killed, its children left behind.
        if (_redis is { HasExited: false })
        {
            ThawRedis();
        }

        if (_postgres is { HasExited: false })
        {
            ThawPostgres();
        }

        NpgsqlConnection.ClearAllPools();
        await StopAsync(_postgres);
        await StopAsync(_redis);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task StopAsync(Process? process)
    {
        if (process is null || process.HasExited)
        {
            return;
        }

        // SIGTERM: redis-server saves nothing and exits; the PostgreSQL script does a fast shutdown.
        Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    private static Process Start(string command, string[] args, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(command, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment ?? [])
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {command}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"[{command}] {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <returns>True once <paramref name="probe"/> succeeds; false if the process exited first.</returns>
    private static async Task<bool> WaitUntilAsync(Func<Task> probe, Process process, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await probe();
                return true;
            }
            catch (Exception) when (process.HasExited)
            {
                return false;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"{name} did not answer within 60 s.", ex);
            }
        }
    }

    /// <summary>A port nothing listens on right now, on the loopback.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string PostgresBinDirectory() =>
        Directory.GetDirectories("/usr/lib/postgresql")
            .Select(dir => Path.Combine(dir, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "postgres")))
            .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var major) ? major : 0)
            .First();
}

