using System.Diagnostics;
using System.Net.Sockets;
using Aspire.Hosting.Testing;
using TestSupport;

namespace IntegrationTests;

/// <summary>The AppHost's local redis-server, started from the configuration the AppHost writes for it.</summary>
public class LocalRedisTests
{
    [Fact]
    public async Task It_stops_on_SIGTERM_even_when_its_data_directory_is_already_gone()
    {
        // Building the model writes redis.conf into the data directory, as `up` does before it starts Redis.
        var dataDirectory = PlatformHost.NewDataDirectory();
        await using (await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--Infrastructure:Mode=local", $"--LocalInfrastructure:DataDirectory={dataDirectory}"]))
        {
        }

        var port = LocalServers.FreePort();
        using var redis = Process.Start(new ProcessStartInfo("redis-server", [Path.Combine(dataDirectory, "redis", "redis.conf"), "--port", $"{port}"])
        {
            RedirectStandardOutput = true,
        })!;
        var log = redis.StandardOutput.ReadToEndAsync();
        try
        {
            await Eventually.UntilAsync(async () =>
                {
                    using var client = new TcpClient();
                    try
                    {
                        await client.ConnectAsync("127.0.0.1", port);
                        return true;
                    }
                    catch (SocketException)
                    {
                        return false;
                    }
                },
                listening => listening, TimeSpan.FromSeconds(30), "redis-server to listen");

            // What a test's cleanup (or a user's `rm -rf`) can do before the AppHost's stop reaches Redis: a
            // snapshot it then tried to write on SIGTERM failed, and Redis stayed up, orphaned, for good.
            PlatformHost.DeleteDataDirectory(dataDirectory);
            // kill fails only for a process already gone (CI once saw it exit before the signal): that is an exit too.
            var kill = await ChildProcess.RunAsync(new ProcessStartInfo("kill", ["-TERM", $"{redis.Id}"]), TimeSpan.FromSeconds(10));
            Assert.True(kill.ExitCode == 0 || redis.HasExited, $"kill -TERM {redis.Id}: {kill.Error}");

            await Eventually.UntilAsync(() => Task.FromResult(redis.HasExited), exited => exited, TimeSpan.FromSeconds(30),
                "redis-server to exit after SIGTERM");
        }
        finally
        {
            if (!redis.HasExited)
            {
                redis.Kill();
                await redis.WaitForExitAsync();
                Assert.Fail($"redis-server ignored SIGTERM:\n{await log}");
            }

            PlatformHost.DeleteDataDirectory(dataDirectory);
        }
    }
}
