using Aspire.Npgsql.EntityFrameworkCore.PostgreSQL;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace BuildingBlocks.Data;

/// <summary>How every service registers the database it owns.</summary>
public static class ServiceDatabase
{
    /// <summary>
    /// Registers <typeparamref name="TContext"/> on the connection string <paramref name="name"/> (Aspire's
    /// pooled context with its health check, logging and telemetry) and migrates it, then seeds it with
    /// <paramref name="seed"/>, before anything that uses it starts (hosted services start in registration order).
    /// </summary>
    /// <remarks>
    /// Statements run often are prepared once per connection, and a process keeps at most
    /// <see cref="MaxPoolSize"/> connections, unless the connection string says otherwise.
    /// Pooled connections are still reset on return (<c>No Reset On Close</c> stays off): without the reset,
    /// the first product read after PostgreSQL froze hung for 15 s instead of being served from the last
    /// copy in 1.6 s (docs/benchmarks.md).
    /// </remarks>
    public static void AddServiceDatabase<TContext>(this IHostApplicationBuilder builder, string name,
        Func<IServiceProvider, CancellationToken, Task>? seed = null, Action<NpgsqlEntityFrameworkCorePostgreSQLSettings>? configure = null)
        where TContext : DbContext
    {
        string? connectionString = null;
        var checkHealth = true;
        builder.AddNpgsqlDbContext<TContext>(name, settings =>
        {
            settings.ConnectionString = Tuned(settings.ConnectionString);
            configure?.Invoke(settings);
            connectionString = settings.ConnectionString;
            checkHealth = !settings.DisableHealthChecks;
            settings.DisableHealthChecks = true;
        },
        // EF Core's migrator otherwise builds the design-time model and diffs it against the migrations' snapshot on
        // every start, in every process, to warn of a model change that has no migration: a large part of a service's
        // start-up CPU (docs/benchmarks.md). ContractTests' SchemaContractTests makes the same check once, in CI.
        options => options.ConfigureWarnings(warnings => warnings.Ignore(RelationalEventId.PendingModelChangesWarning)));

        // Aspire's check of the context has no timeout (it uses a pooled context, which must not be abandoned
        // mid-connect): against a frozen PostgreSQL, readiness then answered after 72 s. This check owns its
        // connection, so it is held to a timeout and readiness answers 503 within it.
        if (checkHealth)
        {
            builder.Services.AddHealthChecks().AddNpgSql(_ => connectionString!, name: typeof(TContext).Name,
                tags: [Microsoft.Extensions.Hosting.Extensions.ReadyTag], timeout: HealthCheckTimeout);
        }

        builder.Services.AddDatabaseMigrator<TContext>(seed);
    }

    /// <summary>How long readiness waits for the database: well within a probe's own timeout.</summary>
    public static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Connections one process keeps to its database. Npgsql's default, 100, let a burst at start (every
    /// path still compiling) open 100 connections to one database, which the pool then hands out in turn,
    /// so each of 100 server processes prepared and cached every statement on its own; and a dozen
    /// processes at 100 each are more than a server's <c>max_connections</c> (300 locally). Work beyond
    /// this many concurrent statements waits in the process for a connection instead of in the server.
    /// </summary>
    public const int MaxPoolSize = 20;

    internal static string? Tuned(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return connectionString;
        }

        // Npgsql's builder writes back only what was given, each under its canonical keyword whatever synonym
        // was used ("MaxPoolSize", "Max Pool Size"); a plain builder then tells what is there.
        var tuned = new NpgsqlConnectionStringBuilder(connectionString);
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = tuned.ConnectionString };
        if (!given.ContainsKey("Max Auto Prepare"))
        {
            tuned.MaxAutoPrepare = 64;
        }

        if (!given.ContainsKey("Maximum Pool Size"))
        {
            tuned.MaxPoolSize = MaxPoolSize;
        }

        return tuned.ConnectionString;
    }
}
