using Aspire.Npgsql.EntityFrameworkCore.PostgreSQL;
using Microsoft.EntityFrameworkCore;
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
    /// The connections are tuned for many short transactions, unless the connection string says otherwise:
    /// a connection going back to the pool is not reset (<c>DISCARD ALL</c> was a third of all statements
    /// under load; nothing here leaves session state behind: advisory locks are released, LISTEN has its
    /// own unpooled connection), and a statement run often is prepared once per connection.
    /// </remarks>
    public static void AddServiceDatabase<TContext>(this IHostApplicationBuilder builder, string name,
        Func<IServiceProvider, CancellationToken, Task>? seed = null, Action<NpgsqlEntityFrameworkCorePostgreSQLSettings>? configure = null)
        where TContext : DbContext
    {
        builder.AddNpgsqlDbContext<TContext>(name, settings =>
        {
            settings.ConnectionString = ForShortTransactions(settings.ConnectionString);
            configure?.Invoke(settings);
        });
        builder.Services.AddDatabaseMigrator<TContext>(seed);
    }

    internal static string? ForShortTransactions(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return connectionString;
        }

        // Npgsql's own builder knows every keyword, given or not; a plain one holds only what was given.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var tuned = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains(nameof(NpgsqlConnectionStringBuilder.NoResetOnClose)))
        {
            tuned.NoResetOnClose = true;
        }

        if (!given.Contains(nameof(NpgsqlConnectionStringBuilder.MaxAutoPrepare)))
        {
            tuned.MaxAutoPrepare = 64;
        }

        return tuned.ConnectionString;
    }
}
