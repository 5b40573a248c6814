using BuildingBlocks.Data;
using Catalog.Api.Data;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Catalog.Api.Apis;

/// <summary>
/// Runs each public read once before the replica reports ready. A cold replica's first product read
/// compiles its queries and code paths: 130-290 ms on an idle machine, seconds on a loaded one or in a pod
/// with a small CPU limit, past the 800 ms a product read gives the cache and the database, so the first
/// shoppers after every start or scale-out got 503s. Readiness (tag "ready") waits for it; a read that
/// fails (the database away at start) does not hold the replica back: its own checks say why it is not
/// ready, and the first real reads warm it instead.
/// </summary>
public sealed class CatalogWarmUp(
    IServiceScopeFactory scopes,
    IEnumerable<DatabaseMigrationStatus> migrations,
    HybridCache cache,
    ILoggerFactory loggers,
    ILogger<CatalogWarmUp> logger) : BackgroundService, IHealthCheck
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private volatile bool _done;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await DatabaseMigrationStatus.AllAppliedAsync(migrations, stoppingToken);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            deadline.CancelAfter(Deadline);
            var started = TimeProvider.System.GetTimestamp();
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CatalogContext>();
                await CatalogApi.ListItems(db, null, null, null, null, null, null, null, null, deadline.Token);
                await CatalogApi.ListItems(db, "1", "10", "1", "1", "warm", "1", "100", "-price", deadline.Token);
                await CatalogApi.ListCategories(db, cache, deadline.Token);
                await CatalogApi.ListBrands(db, cache, deadline.Token);
            }

            await CatalogApi.GetItem(1, cache, scopes, loggers, deadline.Token);
            logger.LogInformation("Warmed up the catalog's reads in {Elapsed:F0} ms", TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not warm up the catalog's reads; ready without it");
        }

        _done = true;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_done ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Warming up the catalog's reads"));
}
