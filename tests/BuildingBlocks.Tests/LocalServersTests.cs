using System.Net;
using System.Net.Sockets;
using Npgsql;
using StackExchange.Redis;
using TestSupport;

namespace BuildingBlocks.Tests;

/// <summary>The test servers every project's fixtures start: a port taken between its choice and the bind costs a retry, not a failed class.</summary>
public sealed class LocalServersTests
{
    [Fact]
    public async Task A_server_whose_port_is_taken_before_it_binds_starts_again_on_another_port()
    {
        // Stands for whatever takes the port after it was found free: a listener of another test, say.
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var choices = new List<int>();
        // Each server is first given the taken port, then a free one.
        var servers = new LocalServers
        {
            ChoosePort = () =>
            {
                var port = choices.Count % 2 == 0 ? taken : LocalServers.FreePort();
                choices.Add(port);
                return port;
            },
        };

        await servers.InitializeAsync();
        try
        {
            Assert.Equal(4, choices.Count);
            Assert.NotEqual(taken, servers.RedisPort);
            await using var redis = await ConnectionMultiplexer.ConnectAsync(servers.RedisConnectionString);
            Assert.Equal("PONG", (await redis.GetDatabase().ExecuteAsync("PING")).ToString());

            var postgres = new NpgsqlConnectionStringBuilder(servers.PostgresConnectionString);
            Assert.NotEqual(taken, postgres.Port);
            await using var connection = new NpgsqlConnection(servers.PostgresConnectionString);
            await connection.OpenAsync();
            Assert.Equal(1, await new NpgsqlCommand("SELECT 1", connection).ExecuteScalarAsync());
        }
        finally
        {
            await servers.DisposeAsync();
        }
    }
}
