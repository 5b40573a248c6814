using BuildingBlocks.Outbox;
using Catalog.Api.Data;
using Catalog.Api.IntegrationEvents.Events;
using Catalog.Api.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;
using Polly.CircuitBreaker;
using Polly.Registry;

namespace Catalog.Api.Apis;

public static class CatalogApi
{
    private const string ItemsTag = "catalog-items";
    private static readonly HybridCacheEntryOptions TaxonomyCaching = new() { Expiration = TimeSpan.FromMinutes(10) };

    // Invalidation removes the key, but a read that started before a change can still store the old
    // value just after the removal; short lives bound that staleness (L1 per replica, L2 shared).
    private static readonly HybridCacheEntryOptions ItemCaching = new()
    {
        Expiration = TimeSpan.FromSeconds(10),
        LocalCacheExpiration = TimeSpan.FromSeconds(2),
    };

    // A product read waits this long for the cache and the database, then as long again for the database alone,
    // then half as long for the last copy read (stale if error): together under the 3 s the gateway gives one
    // replica (the catalog cluster's ActivityTimeout), so that a client gets an answer while Redis or PostgreSQL
    // is frozen. While reads go unanswered (DatabaseReadCircuit) the last copy comes first, without the database.
    // An answer from a healthy cache or database takes milliseconds.
    private static readonly TimeSpan ItemReadDeadline = TimeSpan.FromMilliseconds(800);

    // A product list waits this long for the database, then this replica's last page for the same query is served
    // (LastKnownPages), within the gateway's 3 s. Longer than a product read's: a list counts and sorts, and a cold or
    // loaded replica's first lists take seconds, which a slow answer serves better than an old one.
    private static readonly TimeSpan ListReadDeadline = TimeSpan.FromSeconds(2);

    // The last copy of each product read from the database (or written), kept for an hour, in process and in Redis.
    // Served only when the database does not answer in time or reads of it went unanswered just before; never otherwise.
    private static readonly HybridCacheEntryOptions LastKnownCaching = new()
    {
        Expiration = TimeSpan.FromHours(1),
        LocalCacheExpiration = TimeSpan.FromHours(1),
    };

    private static readonly HybridCacheEntryOptions LastKnownLookup = new()
    {
        Flags = HybridCacheEntryFlags.DisableUnderlyingData | HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite,
    };

    private static readonly string RetryAfter =
        DependencyUnavailableException.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/catalog").WithTags("Catalog");
        var reads = api.MapGroup("").CachedPublicly(app.ServiceProvider.GetRequiredService<IConfiguration>()
            .GetValue(PublicReadCaching.MaxAgeKey, TimeSpan.FromSeconds(1)));

        reads.MapGet("/items", ListItems)
            .WithName("ListItems")
            .WithSummary("List products")
            .WithDescription("One page of products, filtered by category, brand, text and price range, sorted by name or price.");
        reads.MapGet("/items/{id:int}", GetItem)
            .WithName("GetItem")
            .WithSummary("Get a product");
        reads.MapGet("/categories", ListCategories)
            .WithName("ListCategories")
            .WithSummary("List categories");
        reads.MapGet("/brands", ListBrands)
            .WithName("ListBrands")
            .WithSummary("List brands");

        // Administrators only. The gateway checks too; checked here again so that a caller inside the
        // cluster cannot skip it (defence in depth).
        var admin = api.MapGroup("")
            .RequireAuthorization(AuthenticationExtensions.AdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        admin.MapPost("/items", CreateItem)
            .WithName("CreateItem")
            .WithSummary("Create a product");
        admin.MapPut("/items/{id:int}", UpdateItem)
            .WithName("UpdateItem")
            .WithSummary("Replace a product");
        admin.MapDelete("/items/{id:int}", DeleteItem)
            .WithName("DeleteItem")
            .WithSummary("Delete a product");

        return app;
    }

    public static async Task<Results<Ok<PaginatedItems<CatalogItemDto>>, ValidationProblem, ProblemHttpResult>> ListItems(
        IServiceScopeFactory scopes,
        ResiliencePipelineProvider<string> pipelines,
        LastKnownPages lastPages,
        ILoggerFactory loggers,
        HttpResponse response,
        [FromQuery] string? pageIndex,
        [FromQuery] string? pageSize,
        [FromQuery] string? categoryId,
        [FromQuery] string? brandId,
        [FromQuery] string? q,
        [FromQuery] string? minPrice,
        [FromQuery] string? maxPrice,
        [FromQuery] string? sort,
        CancellationToken cancellationToken)
    {
        var (query, errors) = CatalogItemsQuery.Parse(pageIndex, pageSize, categoryId, brandId, q, minPrice, maxPrice, sort);
        if (query is null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        bool asked;
        try
        {
            var page = await ReadThroughCircuitAsync(pipelines, scopes, query, ReadPageAsync, ListReadDeadline);
            lastPages.Remember(query, page);
            return TypedResults.Ok(page);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // PostgreSQL away, frozen or slow past the deadline, or reads of it just went unanswered (the circuit is open).
            asked = ex is not BrokenCircuitException;
            if (asked)
            {
                loggers.CreateLogger(typeof(CatalogApi)).LogWarning("A product list was not read from the database: {Error}", ex.GetBaseException().Message);
            }
        }

        // The page this replica last read for the same query, if any; else a clear, retryable refusal.
        if (lastPages.Find(query) is { } last)
        {
            MarkKeptCopy(response, asked);
            return TypedResults.Ok(last);
        }

        return Unavailable(response, "The catalog cannot list products now",
            "Its database did not answer in time and no copy of this page is kept. Try again shortly.");
    }

    private static async Task<PaginatedItems<CatalogItemDto>> ReadPageAsync(CatalogContext db, CatalogItemsQuery query, CancellationToken cancellationToken)
    {
        var filtered = CatalogQueries.Filter(db.Items.AsNoTracking(), query);
        var count = await filtered.LongCountAsync(cancellationToken);
        var page = await CatalogQueries.Order(filtered, query.Sort)
            .Skip(query.PageIndex * query.PageSize)
            .Take(query.PageSize)
            .Select(item => new CatalogItemDto(item.Id, item.Name, item.Description, item.Price, item.CategoryId, item.BrandId, item.AvailableStock))
            .ToListAsync(cancellationToken);
        return new PaginatedItems<CatalogItemDto>(query.PageIndex, query.PageSize, count, page);
    }

    public static async Task<Results<Ok<CatalogItemDto>, NotFound, ProblemHttpResult>> GetItem(
        int id, HybridCache cache, IServiceScopeFactory scopes, ResiliencePipelineProvider<string> pipelines, ILoggerFactory loggers,
        HttpResponse response, CancellationToken cancellationToken)
    {
        CatalogItemDto? item;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ItemReadDeadline);
        try
        {
            item = await cache.GetOrCreateAsync(
                ItemKey(id),
                (scopes, cache, id, pipelines),
                // The cache's token is not passed on: the read is not cancelled with its callers (ReadThroughCircuitAsync).
                static async (state, unused) =>
                {
                    var read = await ReadThroughCircuitAsync(state.pipelines, state.scopes, state.id, ReadItemAsync, ItemReadDeadline);
                    if (read is not null)
                    {
                        // Not awaited: a slow or frozen Redis must not hold up the read that fills the cache.
                        _ = RememberAsync(state.cache, read);
                    }

                    return read;
                },
                ItemCaching,
                [ItemsTag],
                deadline.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Redis frozen (the cache lookup waits for its timeout), or PostgreSQL away, frozen or slow. First the
            // database alone, briefly, unless reads of it just went unanswered (the circuit is open); then the last copy
            // read, if there is one; else the error stands.
            var asked = ex is not BrokenCircuitException;
            if (asked)
            {
                var again = ReadThroughCircuitAsync(pipelines, scopes, id, ReadItemAsync, ItemReadDeadline).AsTask();
                try
                {
                    item = await again.WaitAsync(cancellationToken);
                    return item is null ? TypedResults.NotFound() : TypedResults.Ok(item);
                }
                catch (BrokenCircuitException)
                {
                    // Opened meanwhile, by this request's reads or others': the copy, without a further try.
                }
                catch (Exception)
                {
                    Observe(again);
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }

            var last = await LastKnownAsync(cache, id, cancellationToken);
            if (last is not null)
            {
                if (asked)
                {
                    loggers.CreateLogger(typeof(CatalogApi)).LogWarning(
                        "Serving the last known copy of product {ProductId}: the database did not answer ({Error})", id, ex.GetBaseException().Message);
                }

                MarkKeptCopy(response, asked);
                return TypedResults.Ok(last);
            }

            if (!asked)
            {
                // No copy kept: the database is asked all the same, outside the circuit. A read against a frozen server
                // does not stop when cancelled, so it is left to finish on a context of its own.
                var direct = ReadInOwnScopeAsync(scopes, id, ReadItemAsync);
                try
                {
                    item = await direct.WaitAsync(ItemReadDeadline, cancellationToken);
                    return item is null ? TypedResults.NotFound() : TypedResults.Ok(item);
                }
                catch (Exception)
                {
                    Observe(direct);
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }

            // Nothing to serve: a clear, retryable refusal rather than a 500.
            loggers.CreateLogger(typeof(CatalogApi)).LogWarning(
                "Product {ProductId} could not be read and no copy is kept: {Error}", id, ex.GetBaseException().Message);
            return Unavailable(response, "The catalog cannot read this product now",
                "Its database did not answer in time and no copy of it is kept. Try again shortly.");
        }

        return item is null ? TypedResults.NotFound() : TypedResults.Ok(item);
    }

    /// <summary>Says that an answer is a kept copy: after the database did not answer, or without asking it.</summary>
    private static void MarkKeptCopy(HttpResponse response, bool asked) =>
        response.Headers["Cache-Status"] = asked ? DatabaseReadCircuit.UnansweredStatus : DatabaseReadCircuit.NotAskedStatus;

    /// <summary>A 503 with <c>Retry-After</c>, as every 503 of the services for a dependency that did not answer.</summary>
    private static ProblemHttpResult Unavailable(HttpResponse response, string title, string detail)
    {
        response.Headers.RetryAfter = RetryAfter;
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: detail);
    }

    /// <summary>One read from the database through the circuit (<see cref="ReadWithDeadlineAsync"/>), its outcome counted.</summary>
    /// <remarks>The pipeline is looked up here, off the path of a read the cache answers.</remarks>
    private static ValueTask<T> ReadThroughCircuitAsync<TArgument, T>(ResiliencePipelineProvider<string> pipelines, IServiceScopeFactory scopes,
        TArgument argument, Func<CatalogContext, TArgument, CancellationToken, Task<T>> read, TimeSpan deadline) =>
        pipelines.GetPipeline(DatabaseReadCircuit.PipelineName).ExecuteAsync(
            static (state, unused) => new ValueTask<T>(ReadWithDeadlineAsync(state.scopes, state.argument, state.read, state.deadline)),
            (scopes, argument, read, deadline));

    /// <summary>
    /// One read from the database given <paramref name="deadline"/>: cancelled then, not with a request, so that its outcome
    /// is what the circuit counts. A read against a frozen server does not stop when cancelled; it is left to end on a
    /// context of its own, as it may go on after its caller stopped waiting.
    /// </summary>
    private static async Task<T> ReadWithDeadlineAsync<TArgument, T>(IServiceScopeFactory scopes, TArgument argument,
        Func<CatalogContext, TArgument, CancellationToken, Task<T>> read, TimeSpan deadline)
    {
        var expiry = new CancellationTokenSource(deadline);
        var reading = ReadInOwnScopeAsync(scopes, argument, read, expiry.Token);
        // Disposed once the read has ended, whenever that is: a frozen server's read still holds its token.
        _ = reading.ContinueWith(static (_, source) => ((CancellationTokenSource)source!).Dispose(), expiry,
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        try
        {
            return await reading.WaitAsync(deadline, CancellationToken.None);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && expiry.IsCancellationRequested))
        {
            Observe(reading);
            throw new TimeoutException($"The catalog's database did not answer a read within {deadline.TotalMilliseconds} ms.", ex);
        }
    }

    /// <summary>Leaves a read that is still running to end on its own, its failure observed.</summary>
    private static void Observe(Task read) =>
        _ = read.ContinueWith(static task => task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private static async Task<T> ReadInOwnScopeAsync<TArgument, T>(IServiceScopeFactory scopes, TArgument argument,
        Func<CatalogContext, TArgument, CancellationToken, Task<T>> read, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<CatalogContext>(), argument, cancellationToken);
    }

    private static Task<CatalogItemDto?> ReadItemAsync(CatalogContext db, int id, CancellationToken cancellationToken) =>
        db.Items.AsNoTracking().Where(i => i.Id == id)
            .Select(i => new CatalogItemDto(i.Id, i.Name, i.Description, i.Price, i.CategoryId, i.BrandId, i.AvailableStock))
            .SingleOrDefaultAsync(cancellationToken);

    private static async Task RememberAsync(HybridCache cache, CatalogItemDto item)
    {
        try
        {
            await cache.SetAsync(LastKnownKey(item.Id), item, LastKnownCaching);
        }
        catch (Exception)
        {
            // Redis away: this replica still keeps its in-process copy; the next read from the database tries again.
        }
    }

    /// <summary>The last copy read from the database: in process at once, else from Redis if it answers in time.</summary>
    private static async Task<CatalogItemDto?> LastKnownAsync(HybridCache cache, int id, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ItemReadDeadline / 2);
        try
        {
            return await cache.GetOrCreateAsync(LastKnownKey(id),
                static _ => ValueTask.FromResult<CatalogItemDto?>(null), LastKnownLookup, cancellationToken: deadline.Token);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public static async Task<Ok<NamedEntityDto[]>> ListCategories(CatalogContext db, HybridCache cache, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cache.GetOrCreateAsync(
            "catalog:categories",
            db,
            static async (db, token) => await db.Categories.AsNoTracking().OrderBy(c => c.Name)
                .Select(c => new NamedEntityDto(c.Id, c.Name)).ToArrayAsync(token),
            TaxonomyCaching,
            cancellationToken: cancellationToken));

    public static async Task<Ok<NamedEntityDto[]>> ListBrands(CatalogContext db, HybridCache cache, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cache.GetOrCreateAsync(
            "catalog:brands",
            db,
            static async (db, token) => await db.Brands.AsNoTracking().OrderBy(b => b.Name)
                .Select(b => new NamedEntityDto(b.Id, b.Name)).ToArrayAsync(token),
            TaxonomyCaching,
            cancellationToken: cancellationToken));

    public static async Task<Results<Created<CatalogItemDto>, ValidationProblem>> CreateItem(
        CatalogItemRequest request, CatalogContext db, IntegrationEventOutbox<CatalogContext> outbox, HybridCache cache,
        CancellationToken cancellationToken)
    {
        var errors = await CatalogQueries.CheckReferencesAsync(db, request, cancellationToken);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        // The id first, so that the product and its ProductCreated event are saved by one SaveChanges
        // (one transaction, retried whole on a transient failure).
        var id = await db.Database.SqlQuery<int>(
            $"""SELECT nextval(pg_get_serial_sequence('items', 'Id'))::int AS "Value" """).SingleAsync(cancellationToken);
        // Nothing in stock until an administrator stocks it in Inventory.
        var item = new CatalogItem { Id = id, Name = request.Name!, AvailableStock = 0 };
        Apply(request, item);
        db.Items.Add(item);
        outbox.Add(new ProductCreated(item.Id), item.Id.ToString());
        await db.SaveChangesAsync(cancellationToken);
        // A lookup of this id before it existed may have cached "not found".
        await cache.RemoveAsync(ItemKey(item.Id), cancellationToken);

        return TypedResults.Created($"/api/catalog/items/{item.Id}", CatalogItemDto.From(item));
    }

    public static async Task<Results<Ok<CatalogItemDto>, NotFound, ValidationProblem>> UpdateItem(
        int id, CatalogItemRequest request, CatalogContext db, HybridCache cache, CancellationToken cancellationToken)
    {
        var item = await db.Items.SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (item is null)
        {
            return TypedResults.NotFound();
        }

        var errors = await CatalogQueries.CheckReferencesAsync(db, request, cancellationToken);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        Apply(request, item);
        await db.SaveChangesAsync(cancellationToken);
        await cache.RemoveAsync(ItemKey(id), cancellationToken);
        // The copy served while the database does not answer shows the new name and price, not the old ones.
        _ = RememberAsync(cache, CatalogItemDto.From(item));

        return TypedResults.Ok(CatalogItemDto.From(item));
    }

    public static async Task<Results<NoContent, NotFound>> DeleteItem(
        int id, CatalogContext db, HybridCache cache, CancellationToken cancellationToken)
    {
        var deleted = await db.Items.Where(i => i.Id == id).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            return TypedResults.NotFound();
        }

        await cache.RemoveAsync([ItemKey(id), LastKnownKey(id)], cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The cache key of one product (also invalidated when Inventory reports its availability).</summary>
    internal static string ItemKey(int id) => $"catalog:item:{id}";

    /// <summary>The key of the last copy of a product read from the database (stale if error).</summary>
    private static string LastKnownKey(int id) => $"catalog:item-last:{id}";

    private static void Apply(CatalogItemRequest request, CatalogItem item)
    {
        item.Name = request.Name!.Trim();
        item.Description = request.Description?.Trim() ?? "";
        item.Price = request.Price!.Value;
        item.CategoryId = request.CategoryId!.Value;
        item.BrandId = request.BrandId!.Value;
    }
}
