using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// This service's own identity towards other services (configuration section <c>ServiceIdentity</c>):
/// the client id and secret Identity knows it by. The secret comes from an AppHost parameter or a
/// Kubernetes Secret.
/// </summary>
public sealed class ServiceIdentityOptions
{
    public const string SectionName = "ServiceIdentity";

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>Identity's token endpoint (service discovery resolves <c>identity</c>).</summary>
    public string TokenEndpoint { get; set; } = "http://identity/connect/token";

    /// <summary>A cached token is renewed once this share of its lifetime has passed, well before it expires.</summary>
    public double RenewAfterLifetimeShare { get; set; } = 0.8;
}

/// <summary>
/// Gets service tokens from Identity by client credentials, one per target audience, and keeps each
/// until shortly before it expires; concurrent callers share one request.
/// </summary>
public sealed class ServiceTokens(IHttpClientFactory httpClients, IOptions<ServiceIdentityOptions> options, TimeProvider clock)
{
    public const string HttpClientName = "service-tokens";

    private readonly ConcurrentDictionary<string, Lazy<SemaphoreSlim>> _locks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CachedToken> _tokens = new(StringComparer.Ordinal);

    /// <summary>A token for calling <paramref name="audience"/>, from the cache while it is fresh.</summary>
    /// <exception cref="InvalidOperationException">ServiceIdentity is not configured, or Identity refused the client.</exception>
    public async Task<string> GetAsync(string audience, CancellationToken cancellationToken)
    {
        if (Fresh(audience) is { } cached)
        {
            return cached;
        }

        var gate = _locks.GetOrAdd(audience, _ => new Lazy<SemaphoreSlim>(() => new SemaphoreSlim(1, 1))).Value;
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(audience) is { } fetchedMeanwhile)
            {
                return fetchedMeanwhile;
            }

            var token = await RequestAsync(audience, cancellationToken);
            var lifetime = TimeSpan.FromSeconds(Math.Max(token.ExpiresIn, 1));
            _tokens[audience] = new CachedToken(token.AccessToken, clock.GetUtcNow() + lifetime * options.Value.RenewAfterLifetimeShare);
            return token.AccessToken;
        }
        finally
        {
            gate.Release();
        }
    }

    private string? Fresh(string audience) =>
        _tokens.TryGetValue(audience, out var cached) && clock.GetUtcNow() < cached.RenewAt ? cached.AccessToken : null;

    private async Task<TokenResponse> RequestAsync(string audience, CancellationToken cancellationToken)
    {
        var identity = options.Value;
        if (string.IsNullOrEmpty(identity.ClientId) || string.IsNullOrEmpty(identity.ClientSecret))
        {
            throw new InvalidOperationException(
                $"{ServiceIdentityOptions.SectionName}:ClientId and :ClientSecret are required to call '{audience}' (the AppHost provides them).");
        }

        using var response = await httpClients.CreateClient(HttpClientName).PostAsync(identity.TokenEndpoint, new FormUrlEncodedContent(
        [
            new("grant_type", "client_credentials"),
            new("client_id", identity.ClientId),
            new("client_secret", identity.ClientSecret),
            new("audience", audience),
        ]), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"Identity refused a token for '{identity.ClientId}' to call '{audience}': {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken)
            ?? throw new InvalidOperationException("Identity answered the token request with an empty body.");
    }

    private sealed record CachedToken(string AccessToken, DateTimeOffset RenewAt);

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}

/// <summary>Adds this service's token for the target audience to every outgoing request of one client.</summary>
public sealed class ServiceTokenHandler(ServiceTokens tokens, string audience) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(audience, cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}

public static class ServiceTokenExtensions
{
    /// <summary>
    /// Calls made with this client carry a service token for <paramref name="audience"/> (the target's
    /// service-discovery name), from <see cref="ServiceTokens"/>.
    /// </summary>
    public static IHttpClientBuilder AddServiceToken(this IHttpClientBuilder client, string audience)
    {
        client.Services.AddOptions<ServiceIdentityOptions>().BindConfiguration(ServiceIdentityOptions.SectionName);
        client.Services.TryAddSingleton(TimeProvider.System);
        client.Services.TryAddSingleton<ServiceTokens>();
        client.Services.AddHttpClient(ServiceTokens.HttpClientName);
        return client.AddHttpMessageHandler(services => new ServiceTokenHandler(services.GetRequiredService<ServiceTokens>(), audience));
    }
}
