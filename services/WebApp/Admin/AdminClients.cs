using System.Net;
using WebApp.Catalog;
using WebApp.PublicApi;

namespace WebApp.Admin;

/// <summary>A product as an administrator writes it.</summary>
public sealed record ProductDraft(string Name, string? Description, decimal Price, int CategoryId, int BrandId);

/// <summary>A product's stock as Inventory keeps it.</summary>
public sealed record StockLevel(int ProductId, int OnHand, int Reserved, int Available);

/// <summary>Catalog writes (<c>/api/catalog/items</c>, administrators), with the signed-in administrator's token.</summary>
public sealed class CatalogAdminClient(HttpClient http)
{
    /// <exception cref="ApiProblemException">400 naming the field, 403, or no answer.</exception>
    public async Task<CatalogItem> CreateAsync(ProductDraft product, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.PostAsJsonAsync("api/catalog/items", product, cancellationToken), cancellationToken);
        return await PublicApiCalls.ReadAsync<CatalogItem>(response, cancellationToken);
    }

    /// <exception cref="ApiProblemException">400 naming the field, 404, 403, or no answer.</exception>
    public async Task<CatalogItem> UpdateAsync(int id, ProductDraft product, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.PutAsJsonAsync($"api/catalog/items/{id}", product, cancellationToken), cancellationToken);
        return await PublicApiCalls.ReadAsync<CatalogItem>(response, cancellationToken);
    }

    public async Task DeleteAsync(int id, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.DeleteAsync($"api/catalog/items/{id}", cancellationToken), cancellationToken);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound)
        {
            throw await ApiProblemException.FromAsync(response, cancellationToken);
        }
    }
}

/// <summary>Stock levels (<c>/api/inventory</c>, administrators), with the signed-in administrator's token.</summary>
public sealed class InventoryClient(HttpClient http)
{
    /// <summary>The product's stock; null when Inventory has no row for it yet (none was ever set).</summary>
    public async Task<StockLevel?> GetAsync(int productId, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.GetAsync($"api/inventory/{productId}", cancellationToken), cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await PublicApiCalls.ReadAsync<StockLevel>(response, cancellationToken);
    }

    /// <exception cref="ApiProblemException">400 a negative value, 409 fewer than the units reserved, or no answer.</exception>
    public async Task<StockLevel> SetOnHandAsync(int productId, int onHand, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.PutAsJsonAsync($"api/inventory/{productId}", new { onHand }, cancellationToken), cancellationToken);
        return await PublicApiCalls.ReadAsync<StockLevel>(response, cancellationToken);
    }
}

/// <summary>One message a service gave up on, as the gateway lists it.</summary>
public sealed record DeadLetter(string Id, string Topic, string Reason, int Attempts, string FailedAt, DeadLetterEvent? Event, int Replays);

/// <summary>The event inside a dead letter (null when it could not even be read).</summary>
public sealed record DeadLetterEvent(string Id, string Type, DateTimeOffset Time, System.Text.Json.JsonElement? Data);

/// <summary>One service's dead letters; <see cref="State"/> is <c>listed</c>, <c>not-kept</c> (the broker keeps them) or <c>unavailable</c>.</summary>
public sealed record DeadLetterSource(string Service, string State, DeadLetter[] Letters);

/// <summary>What a replay did: delivered (and removed), failed again, or left for a human (unreadable).</summary>
public sealed record ReplayResult(int Replayed, int Failed, int LeftForHuman);

/// <summary>The event bus's dead letters (<c>/api/admin/deadletters</c>, administrators), with the signed-in administrator's token.</summary>
public sealed class DeadLetterClient(HttpClient http)
{
    public async Task<DeadLetterSource[]> ListAsync(CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.GetAsync("api/admin/deadletters", cancellationToken), cancellationToken);
        return await PublicApiCalls.ReadAsync<DeadLetterSource[]>(response, cancellationToken);
    }

    /// <exception cref="ApiProblemException">404 an unknown service, 503 the service did not answer.</exception>
    public async Task<ReplayResult> ReplayAsync(string service, string topic, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.PostAsync(
            $"api/admin/deadletters/{Uri.EscapeDataString(service)}/{Uri.EscapeDataString(topic)}/replay", null, cancellationToken), cancellationToken);
        return await PublicApiCalls.ReadAsync<ReplayResult>(response, cancellationToken);
    }
}
