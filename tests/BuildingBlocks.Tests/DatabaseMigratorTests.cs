using BuildingBlocks.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TestSupport;

namespace BuildingBlocks.Tests;

/// <summary>The migrator on a real PostgreSQL.</summary>
public sealed class DatabaseMigratorTests : IAsyncLifetime
{
    private readonly LocalServers _servers = new();

    public Task InitializeAsync() => _servers.InitializeAsync();

    public Task DisposeAsync() => _servers.DisposeAsync();

    [Fact]
    public async Task Migrating_a_new_database_logs_no_error()
    {
        // What a new user's first start does: every service migrates an empty database. EF Core with Npgsql looks
        // for the history table before it creates it, and logged that failed look-up as an error in every service.
        var database = await _servers.CreateDatabaseAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddFakeLogging();
        builder.Services.AddDbContext<EmptyContext>(options => options.UseNpgsql(database));
        builder.Services.AddDatabaseMigrator<EmptyContext>();
        using var host = builder.Build();

        await host.StartAsync();
        try
        {
            await host.Services.GetRequiredService<DatabaseMigrator<EmptyContext>>().Status.Applied.WaitAsync(TimeSpan.FromMinutes(1));
        }
        finally
        {
            await host.StopAsync();
        }

        var errors = host.Services.GetFakeLogCollector().GetSnapshot().Where(entry => entry.Level >= LogLevel.Error);
        Assert.Empty(errors.Select(entry => $"{entry.Category}: {entry.Message}"));
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var history = new NpgsqlCommand("""SELECT to_regclass('"__EFMigrationsHistory"') IS NOT NULL""", connection);
        Assert.True((bool)(await history.ExecuteScalarAsync())!, "the history table was not created");
    }

    /// <summary>A context without tables: migrating it still reads and creates the history table.</summary>
    private sealed class EmptyContext(DbContextOptions<EmptyContext> options) : DbContext(options);
}
