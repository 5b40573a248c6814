using BuildingBlocks.Data;
using BuildingBlocks.Outbox;
using Catalog.Api.Data;
using Catalog.Api.IntegrationEvents.Events;
using Catalog.Api.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.Registry;

namespace Catalog.Api.Apis;

/// <summary>
/// Runs each public read, and a product creation that it rolls back, once before the replica reports ready.
/// A cold replica's first product read compiles its queries and code paths: 130-290 ms on an idle machine,
/// seconds on a loaded one or in a pod with a small CPU limit, past the 800 ms a product read gives the cache
/// and the database, so the first shoppers after every start or scale-out got 503s. The first save is as
/// cold (0.2-0.4 s idle; a platform's first administrator write under load outlasted the gateway's 10 s).
/// Readiness (tag "ready") waits for it; a step that fails (the database away at start) does not hold the
/// replica back: its own checks say why it is not ready, and the first real requests warm it instead.
/// The start waits for it too (at most its 30 s deadline), as it waits for the migrations: the replica then
/// listens warm, and the first readiness probe finds it ready instead of getting a 503 that ASP.NET Core logs as an
/// error at every start.
/// </summary>
public sealed class CatalogWarmUp(
    IServiceScopeFactory scopes,
    IEnumerable<DatabaseMigrationStatus> migrations,
    HybridCache cache,
    ResiliencePipelineProvider<string> pipelines,
    LastKnownPages lastPages,
    ILoggerFactory loggers,
    ILogger<CatalogWarmUp> logger) : BackgroundService, IHealthCheck
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts the warm-up and returns once it finished or failed, at most after its deadline (a query that ignores
    /// cancellation on a frozen database then goes on in the background); at once when the migrations are not applied (the
    /// database away at start), as there is nothing to warm yet.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await base.StartAsync(cancellationToken);
        if (migrations.All(migration => migration.Applied.IsCompletedSuccessfully))
        {
            try
            {
                await _finished.Task.WaitAsync(Deadline, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Past the deadline: listen now; the warm-up ends on its own (ExecuteAsync's own deadline).
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await DatabaseMigrationStatus.AllAppliedAsync(migrations, stoppingToken);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            deadline.CancelAfter(Deadline);
            var started = TimeProvider.System.GetTimestamp();
            // The first page as a shopper's first visit asks for it: kept from now on (LastKnownPages).
            var response = new DefaultHttpContext().Response;
            await CatalogApi.ListItems(scopes, pipelines, lastPages, loggers, response, null, null, null, null, null, null, null, null, deadline.Token);
            await CatalogApi.ListItems(scopes, pipelines, lastPages, loggers, response, "1", "10", "1", "1", "warm", "1", "100", "-price", deadline.Token);
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CatalogContext>();
                await CatalogApi.ListCategories(db, cache, deadline.Token);
                await CatalogApi.ListBrands(db, cache, deadline.Token);
                await RolledBackCreationAsync(db, scope.ServiceProvider.GetRequiredService<IntegrationEventOutbox<CatalogContext>>(), deadline.Token);
            }

            await CatalogApi.GetItem(1, cache, scopes, pipelines, loggers, response, deadline.Token);
            logger.LogInformation("Warmed up the catalog's reads and writes in {Elapsed:F0} ms", TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not warm up the catalog; ready without it");
        }

        _finished.TrySetResult();
    }

    /// <summary>
    /// What CreateItem saves (a product and its ProductCreated event in one SaveChanges), in a transaction
    /// that is rolled back: no row is kept, no event published and no product id used (the id is one that
    /// the sequence never gives).
    /// </summary>
    private static async Task RolledBackCreationAsync(
        CatalogContext db, IntegrationEventOutbox<CatalogContext> outbox, CancellationToken cancellationToken)
    {
        var categoryId = await db.Categories.MinAsync(c => (int?)c.Id, cancellationToken);
        var brandId = await db.Brands.MinAsync(b => (int?)b.Id, cancellationToken);
        if (categoryId is not { } category || brandId is not { } brand)
        {
            return;
        }

        await CatalogQueries.CheckReferencesAsync(db, new CatalogItemRequest { CategoryId = category, BrandId = brand }, cancellationToken);
        await db.InTransactionAsync(async token =>
        {
            db.Items.Add(new CatalogItem { Id = -1, Name = "warm-up", Price = 1m, CategoryId = category, BrandId = brand });
            outbox.Add(new ProductCreated(-1), "-1");
            await db.SaveChangesAsync(token);
            await db.Database.RollbackTransactionAsync(token);
        }, cancellationToken);
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_finished.Task.IsCompleted ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Warming up the catalog's reads and writes"));
}
