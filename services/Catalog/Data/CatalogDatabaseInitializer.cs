using Microsoft.EntityFrameworkCore;
using Npgsql;
using Polly;
using Polly.Retry;

namespace Catalog.Api.Data;

/// <summary>
/// Applies migrations and seeds the demo catalog before the service starts answering. Replicas that
/// start together serialise on a PostgreSQL advisory lock, so exactly one migrates and seeds and the
/// others find the work done. Transient failures (the database still starting) are retried.
/// </summary>
internal sealed class CatalogDatabaseInitializer(IServiceProvider services, ILogger<CatalogDatabaseInitializer> logger)
    : IHostedService
{
    // Any constant unique to this database's schema owner; all catalog replicas use the same one.
    private const long MigrationLockKey = 0x43415441_4C4F47; // "CATALOG"

    private static readonly ResiliencePipeline Retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e.IsTransient)
                .Handle<TimeoutException>(),
            MaxRetryAttempts = 10,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(250),
            MaxDelay = TimeSpan.FromSeconds(5),
        })
        .Build();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Retry.ExecuteAsync(async token =>
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogContext>();

            // One connection for lock, migration and seed: the advisory lock belongs to the session.
            await db.Database.OpenConnectionAsync(token);
            try
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLockKey})", token);
                try
                {
                    await db.Database.MigrateAsync(token);
                    await CatalogSeed.SeedIfEmptyAsync(db, logger, token);
                }
                finally
                {
                    await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
                }
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
