using Catalog.Api.Model;
using Microsoft.Extensions.Caching.Memory;

namespace Catalog.Api.Apis;

/// <summary>
/// The last page this replica read from the database for each product-list query (filters, search, sort and page alike),
/// served only while the database does not answer, as product reads serve their last copy (<see cref="DatabaseReadCircuit"/>).
/// Kept in process for an hour and bounded by the products the pages hold (<see cref="CapacityInProducts"/>): a query seen
/// once takes its page's room, and past the bound the least recently used pages go first, so varied searches cannot grow it.
/// A page is as it was when read; a write through this replica does not change it.
/// </summary>
public sealed class LastKnownPages : IDisposable
{
    /// <summary>About 6 MB of products at a few hundred bytes each.</summary>
    public const int CapacityInProducts = 20_000;

    private static readonly TimeSpan KeptFor = TimeSpan.FromHours(1);

    // Expired pages are swept on access; nothing runs while the catalog is idle.
    private readonly MemoryCache _pages = new(new MemoryCacheOptions { SizeLimit = CapacityInProducts });

    public void Remember(CatalogItemsQuery query, PaginatedItems<CatalogItemDto> page) =>
        _pages.Set(query, page, new MemoryCacheEntryOptions
        {
            Size = page.Data.Count + 1,
            AbsoluteExpirationRelativeToNow = KeptFor,
        });

    public PaginatedItems<CatalogItemDto>? Find(CatalogItemsQuery query) =>
        _pages.TryGetValue(query, out PaginatedItems<CatalogItemDto>? page) ? page : null;

    public void Dispose() => _pages.Dispose();
}
