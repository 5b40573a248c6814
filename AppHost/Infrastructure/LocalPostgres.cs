using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AppHost.Infrastructure;

/// <summary>Debian's PostgreSQL server run by the AppHost as an executable resource.</summary>
public sealed class LocalPostgresServerResource(string name, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, "bash", workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public ParameterResource Password { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    /// <summary>The databases to create when the server is ready, by resource name.</summary>
    internal List<LocalPostgresDatabaseResource> Databases { get; } = [];

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username=postgres;Password={Password}");
}

/// <summary>A database on a <see cref="LocalPostgresServerResource"/>; the AppHost creates it when the server is ready.</summary>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresServerResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresServerResource>, IResourceWithConnectionString
{
    public LocalPostgresServerResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}

public static class LocalPostgresExtensions
{
    private const string ScriptPath = "Infrastructure/postgres-local.sh";

    public static IResourceBuilder<LocalPostgresServerResource> AddLocalPostgres(
        this IDistributedApplicationBuilder builder, string name, LocalDataDirectory directories)
    {
        var password = builder.AddParameter($"{name}-password", directories.Secret($"{name}-password"), secret: true);
        var server = new LocalPostgresServerResource(name, directories.Root, password.Resource);

        var healthCheckKey = $"{name}_local_check";
        // One check for the AppHost's lifetime (the container disposes it and its connection at the end).
        builder.Services.AddKeyedSingleton(healthCheckKey, (_, _) => new PostgresHealthCheck(server));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, services => services.GetRequiredKeyedService<PostgresHealthCheck>(healthCheckKey), failureStatus: null, tags: null));

        builder.Eventing.Subscribe<ResourceReadyEvent>(server, CreateDatabasesAsync);

        return builder.AddResource(server)
            .WithArgs(Path.Combine(AppContext.BaseDirectory, ScriptPath))
            // Not behind DCP's proxy: every round trip of every service would cross one more process twice.
            .WithEndpoint(name: LocalPostgresServerResource.EndpointName, scheme: "tcp", env: "PGPORT", isProxied: false)
            .WithEnvironment("PGDATA", directories.PostgresData)
            .WithEnvironment("PG_BINDIR", FindPostgresBinDirectory(builder))
            .WithEnvironment("POSTGRES_PASSWORD", password)
            .WithHealthCheck(healthCheckKey)
            .ExcludeFromManifest();
    }

    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<LocalPostgresServerResource> server, string name, string? databaseName = null)
    {
        var database = new LocalPostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        server.Resource.Databases.Add(database);
        return server.ApplicationBuilder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [new("postgres.database", database.DatabaseName)],
            })
            .ExcludeFromManifest();
    }

    /// <summary>Creates each missing database, then marks the database resources running so that WaitFor releases.</summary>
    private static async Task CreateDatabasesAsync(ResourceReadyEvent e, CancellationToken cancellationToken)
    {
        var server = (LocalPostgresServerResource)e.Resource;
        var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
        var logger = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(server);
        var connectionString = await server.ConnectionStringExpression.GetValueAsync(cancellationToken);

        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        foreach (var database in server.Databases)
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
            {
                Parameters = { new() { Value = database.DatabaseName } },
            };
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                var quoted = "\"" + database.DatabaseName.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
                await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
                logger.LogInformation("Created database {Database}", database.DatabaseName);
            }

            await notifications.PublishUpdateAsync(database, snapshot => snapshot with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        }
    }

    private static string FindPostgresBinDirectory(IDistributedApplicationBuilder builder)
    {
        if (builder.Configuration["LocalInfrastructure:PostgresBinDirectory"] is { Length: > 0 } configured)
        {
            return configured;
        }

        // Debian installs the server under /usr/lib/postgresql/<major>/bin, off the PATH.
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(dir => (Major: int.TryParse(Path.GetFileName(dir), out var major) ? major : -1, Bin: Path.Combine(dir, "bin")))
                .Where(c => c.Major > 0 && File.Exists(Path.Combine(c.Bin, "postgres")))
                .OrderByDescending(c => c.Major)
                .Select(c => c.Bin)
            : [];
        return candidates.FirstOrDefault()
            ?? throw new DistributedApplicationException(
                "PostgreSQL server binaries were not found under /usr/lib/postgresql. Install them with the README's set-up " +
                "(apt-get install postgresql), set LocalInfrastructure:PostgresBinDirectory, or use Infrastructure:Mode=containers.");
    }

    /// <summary>
    /// Asks the server <c>SELECT 1</c> whenever Aspire checks the resource, over a kept connection. A new connection
    /// for each check started a backend process each time (14 a minute at rest, PostgreSQL forking and authenticating
    /// each); a connection that breaks (the server killed or frozen past the timeouts) is dropped by the pool and the
    /// next check opens another.
    /// </summary>
    internal sealed class PostgresHealthCheck(LocalPostgresServerResource server) : IHealthCheck, IAsyncDisposable
    {
        // Made once, on the first check: making it opens no connection, so it cannot fail and needs no second try.
        private readonly Lazy<Task<NpgsqlDataSource>> _dataSource = new(async () => NpgsqlDataSource.Create(
            // One connection is enough for a probe; 5 s to connect or answer, as before.
            await server.ConnectionStringExpression.GetValueAsync(CancellationToken.None) + ";Maximum Pool Size=1;Timeout=5;Command Timeout=5"));

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var ping = (await _dataSource.Value).CreateCommand("SELECT 1");
                await ping.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_dataSource.IsValueCreated)
            {
                await (await _dataSource.Value).DisposeAsync();
            }
        }
    }
}
