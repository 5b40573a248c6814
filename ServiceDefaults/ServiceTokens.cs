using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
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
/// until shortly before it expires; concurrent callers share one request. Once a token is due for
/// renewal it is renewed in the background while calls go on carrying it, so an Identity that is slow,
/// frozen or restarting holds no service-to-service call up until the token is about to expire.
/// </summary>
public sealed partial class ServiceTokens(IHttpClientFactory httpClients, IOptions<ServiceIdentityOptions> options, TimeProvider clock, ILogger<ServiceTokens> logger)
{
    public const string HttpClientName = "service-tokens";

    /// <summary>A token is not sent in its last 30 s, so that a call that is retried or waits on the way still arrives with a valid one.</summary>
    public static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Lazy<SemaphoreSlim>> _locks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CachedToken> _tokens = new(StringComparer.Ordinal);

    /// <summary>A token for calling <paramref name="audience"/>, from the cache while it is usable.</summary>
    /// <exception cref="InvalidOperationException">ServiceIdentity is not configured, or Identity refused the client.</exception>
    /// <exception cref="DependencyUnavailableException">Identity did not answer within <see cref="AuthenticationExtensions.IdentityCallDeadline"/>, or answered that it is failing (5xx, 429).</exception>
    public async Task<string> GetAsync(string audience, CancellationToken cancellationToken)
    {
        if (UsableToken(audience) is { } cached)
        {
            if (clock.GetUtcNow() >= cached.RenewAt)
            {
                RenewInBackground(audience);
            }

            return cached.AccessToken;
        }

        var gate = GateOf(audience);
        await gate.WaitAsync(cancellationToken);
        try
        {
            // A renewal may have finished while this call waited.
            return UsableToken(audience)?.AccessToken ?? await FetchAsync(audience, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private SemaphoreSlim GateOf(string audience) => _locks.GetOrAdd(audience, _ => new Lazy<SemaphoreSlim>(() => new SemaphoreSlim(1, 1))).Value;

    private CachedToken? UsableToken(string audience) =>
        _tokens.TryGetValue(audience, out var cached) && clock.GetUtcNow() < cached.UsableUntil ? cached : null;

    /// <summary>One renewal per audience at a time; a failed one is logged and the next call past the renewal time tries again.</summary>
    private void RenewInBackground(string audience)
    {
        var gate = GateOf(audience);
        if (!gate.Wait(0))
        {
            return; // a renewal (or a fetch) is under way
        }

        _ = Task.Run(async () =>
        {
            try
            {
                if (_tokens.TryGetValue(audience, out var cached) && clock.GetUtcNow() >= cached.RenewAt)
                {
                    await FetchAsync(audience, CancellationToken.None); // bounded by the client's own timeouts
                }
            }
            catch (Exception ex)
            {
                LogRenewalFailed(logger, audience, ex);
            }
            finally
            {
                gate.Release();
            }
        });
    }

    private async Task<string> FetchAsync(string audience, CancellationToken cancellationToken)
    {
        var requestedAt = clock.GetUtcNow();
        var token = await RequestAsync(audience, cancellationToken);
        var lifetime = TimeSpan.FromSeconds(Math.Max(token.ExpiresIn, 1));
        var renewAt = requestedAt + lifetime * options.Value.RenewAfterLifetimeShare;
        var usableUntil = requestedAt + lifetime - ExpiryMargin;
        _tokens[audience] = new CachedToken(token.AccessToken, renewAt, usableUntil > renewAt ? usableUntil : renewAt);
        return token.AccessToken;
    }

    private async Task<TokenResponse> RequestAsync(string audience, CancellationToken cancellationToken)
    {
        var identity = options.Value;
        if (string.IsNullOrEmpty(identity.ClientId) || string.IsNullOrEmpty(identity.ClientSecret))
        {
            throw new InvalidOperationException(
                $"{ServiceIdentityOptions.SectionName}:ClientId and :ClientSecret are required to call '{audience}' (the AppHost provides them).");
        }

        using var response = await PostAsync(identity, audience, cancellationToken);
        if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout)
        {
            // Identity failing or overloaded: the call may succeed shortly, unlike a refused client.
            throw new DependencyUnavailableException("identity", new HttpRequestException(
                $"Identity answered a token request with {(int)response.StatusCode}", null, response.StatusCode));
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"Identity refused a token for '{identity.ClientId}' to call '{audience}': {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken)
            ?? throw new InvalidOperationException("Identity answered the token request with an empty body.");
    }

    private async Task<HttpResponseMessage> PostAsync(ServiceIdentityOptions identity, string audience, CancellationToken cancellationToken)
    {
        try
        {
            return await httpClients.CreateClient(HttpClientName).PostAsync(identity.TokenEndpoint, new FormUrlEncodedContent(
            [
                new("grant_type", "client_credentials"),
                new("client_id", identity.ClientId),
                new("client_secret", identity.ClientSecret),
                new("audience", audience),
            ]), cancellationToken);
        }
        catch (Exception ex) when (DependencyUnavailableException.Recognises(ex) && !cancellationToken.IsCancellationRequested)
        {
            // Not a timeout or a transport error of the call the token is for: that call's pipeline would try again, and
            // each try would wait for Identity once more (AuthenticationExtensions.IdentityCallDeadline).
            throw new DependencyUnavailableException("identity", ex);
        }
    }

    private sealed record CachedToken(string AccessToken, DateTimeOffset RenewAt, DateTimeOffset UsableUntil);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the service token for {Audience}; calls go on with the current one until shortly before it expires")]
    private static partial void LogRenewalFailed(ILogger logger, string audience, Exception ex);

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
        client.Services.AddHttpClient(ServiceTokens.HttpClientName).AddIdentityCallDeadline();
        return client.AddHttpMessageHandler(services => new ServiceTokenHandler(services.GetRequiredService<ServiceTokens>(), audience));
    }
}
