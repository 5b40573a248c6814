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
    /// Statements run often are prepared once per connection, unless the connection string says otherwise.
    /// Pooled connections are still reset on return (<c>No Reset On Close</c> stays off): without the reset,
    /// the first product read after PostgreSQL froze hung for 15 s instead of being served from the last
    /// copy in 1.6 s (docs/benchmarks.md).
    /// </remarks>
    public static void AddServiceDatabase<TContext>(this IHostApplicationBuilder builder, string name,
        Func<IServiceProvider, CancellationToken, Task>? seed = null, Action<NpgsqlEntityFrameworkCorePostgreSQLSettings>? configure = null)
        where TContext : DbContext
    {
        builder.AddNpgsqlDbContext<TContext>(name, settings =>
        {
            settings.ConnectionString = WithPreparedStatements(settings.ConnectionString);
            configure?.Invoke(settings);
        });
        builder.Services.AddDatabaseMigrator<TContext>(seed);
    }

    internal static string? WithPreparedStatements(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return connectionString;
        }

        // Npgsql's own builder knows every keyword, given or not; a plain one holds only what was given.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return given.Contains(nameof(NpgsqlConnectionStringBuilder.MaxAutoPrepare))
            ? connectionString
            : new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 64 }.ConnectionString;
    }
}
