using BuildingBlocks.Locking;
using BuildingBlocks.StateStore;

namespace Basket.Api.Model;

/// <summary>
/// The basket logic, shared by the HTTP API, gRPC and the event handler. One basket per user under
/// <c>basket:{userId}</c>; every change is read-modify-write with the ETag, retried when another
/// writer got there first, so concurrent changes never overwrite each other silently.
/// </summary>
public sealed class BasketStore(IStateStore state, IDistributedLock locks, CatalogClient catalog, TimeProvider clock, ILogger<BasketStore> logger)
{
    // Enough for a handful of tabs or devices writing the same basket at once.
    private const int MaxAttempts = 10;
    private static readonly TimeSpan CreateLease = TimeSpan.FromSeconds(5);

    public static string Key(string userId) => $"basket:{userId}";

    /// <summary>The basket priced from the catalog now; products the catalog no longer has are dropped.</summary>
    public async Task<BasketDto> GetAsync(string userId, CancellationToken cancellationToken) =>
        (await GetPricedAsync(userId, cancellationToken)).Basket;

    /// <summary>
    /// The basket priced from the catalog now, with the version of exactly the stored basket those lines
    /// come from (what a checkout consumes). Products the catalog no longer has are dropped, which makes a
    /// new version, so the basket is then read again: each such pass removes at least one line.
    /// </summary>
    public async Task<PricedBasket> GetPricedAsync(string userId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var entry = await state.GetAsync<StoredBasket>(Key(userId), cancellationToken);
            if (entry is null || entry.Value.Items.Count == 0)
            {
                return new PricedBasket(BasketDto.From([]), entry?.Value.Version ?? 0);
            }

            var items = entry.Value.Items;
            var products = await Task.WhenAll(items.Select(line => catalog.GetItemAsync(line.ProductId, cancellationToken)));

            var lines = new List<BasketLineDto>(items.Count);
            var gone = new HashSet<int>();
            for (var i = 0; i < items.Count; i++)
            {
                if (products[i] is { } product)
                {
                    lines.Add(new BasketLineDto(items[i].ProductId, product.Name, items[i].Quantity, product.Price));
                }
                else
                {
                    gone.Add(items[i].ProductId);
                }
            }

            if (gone.Count == 0)
            {
                return new PricedBasket(BasketDto.From(lines), entry.Value.Version);
            }

            logger.LogInformation("Dropping products {ProductIds} from the basket of {UserId}: no longer in the catalog", gone, userId);
            await UpdateAsync(userId, basket => basket.Items.RemoveAll(line => gone.Contains(line.ProductId)) > 0, cancellationToken);
        }
    }

    /// <returns>False when the catalog does not know the product (nothing is changed).</returns>
    public async Task<bool> SetQuantityAsync(string userId, int productId, int quantity, CancellationToken cancellationToken)
    {
        if (await catalog.GetItemAsync(productId, cancellationToken) is null)
        {
            return false;
        }

        await UpdateAsync(userId, basket =>
        {
            var index = basket.Items.FindIndex(line => line.ProductId == productId);
            if (index < 0)
            {
                basket.Items.Add(new StoredLine(productId, quantity));
            }
            else if (basket.Items[index].Quantity != quantity)
            {
                basket.Items[index] = basket.Items[index] with { Quantity = quantity };
            }
            else
            {
                return false;
            }

            return true;
        }, cancellationToken);
        return true;
    }

    public Task RemoveAsync(string userId, int productId, CancellationToken cancellationToken) =>
        UpdateAsync(userId, basket => basket.Items.RemoveAll(line => line.ProductId == productId) > 0, cancellationToken);

    /// <summary>
    /// Empties the basket: whatever is in it now when <paramref name="consumedVersion"/> is null, otherwise
    /// only if it is still that version (an order's basket, not one changed after the order read it).
    /// The key stays, emptied, so that the version keeps growing.
    /// </summary>
    /// <returns>Whether anything was emptied.</returns>
    public Task<bool> ClearAsync(string userId, long? consumedVersion, CancellationToken cancellationToken) =>
        UpdateAsync(userId, basket =>
        {
            if (basket.Items.Count == 0 || (consumedVersion is { } version && basket.Version != version))
            {
                return false;
            }

            basket.Items.Clear();
            return true;
        }, cancellationToken, createIfMissing: false);

    /// <summary>Applies <paramref name="change"/> (which returns whether it changed anything) with ETag retries; a change makes a new version.</summary>
    /// <returns>Whether anything was changed.</returns>
    private async Task<bool> UpdateAsync(string userId, Func<StoredBasket, bool> change, CancellationToken cancellationToken, bool createIfMissing = true)
    {
        var key = Key(userId);
        for (var attempt = 1; ; attempt++)
        {
            var entry = createIfMissing ? await GetOrCreateAsync(key, cancellationToken) : await state.GetAsync<StoredBasket>(key, cancellationToken);
            if (entry is null || !change(entry.Value))
            {
                return false;
            }

            try
            {
                await state.SaveAsync(key, entry.Value with { Version = NextVersion(entry.Value.Version) }, entry.ETag, cancellationToken);
                return true;
            }
            catch (StateConcurrencyException) when (attempt < MaxAttempts)
            {
                // Jittered, growing pause so that colliding writers do not collide again in lockstep.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20) * attempt), cancellationToken);
            }
        }
    }

    /// <summary>
    /// One more than the last version, and never below the clock's milliseconds: should the stored basket
    /// be lost (a Redis without persistence restarted), its versions go on above those already checked
    /// out instead of starting again at 1.
    /// </summary>
    private long NextVersion(long previous) => Math.Max(previous + 1, clock.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>
    /// The stored basket with its ETag, creating an empty one if there is none. A missing key has no
    /// ETag to make a save conditional on, so two first writes could overwrite each other; creation is
    /// therefore serialised by a short lock, and every change after it goes through the ETag.
    /// </summary>
    private async Task<StateEntry<StoredBasket>> GetOrCreateAsync(string key, CancellationToken cancellationToken)
    {
        if (await state.GetAsync<StoredBasket>(key, cancellationToken) is { } existing)
        {
            return existing;
        }

        var resource = $"{key}:create";
        var owner = Guid.NewGuid().ToString("N");
        while (!await locks.TryAcquireAsync(resource, owner, CreateLease, cancellationToken))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20)), cancellationToken);
            if (await state.GetAsync<StoredBasket>(key, cancellationToken) is { } created)
            {
                return created;
            }
        }

        try
        {
            if (await state.GetAsync<StoredBasket>(key, cancellationToken) is { } created)
            {
                return created;
            }

            var empty = StoredBasket.Empty(NextVersion(0));
            var etag = await state.SaveAsync(key, empty, cancellationToken: cancellationToken);
            return new StateEntry<StoredBasket>(empty, etag);
        }
        finally
        {
            await locks.ReleaseAsync(resource, owner, CancellationToken.None);
        }
    }
}
