using Microsoft.Extensions.Hosting;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// Access tokens as Identity mints them, with the test AppHost's signing key, and clients that send them.
/// </summary>
public static class Tokens
{
    /// <param name="userId">The token's subject.</param>
    /// <param name="role">An optional role.</param>
    /// <param name="signingKey">A foreign secret: the token is then signed HS256 with it, as anyone holding the old shared key could; every service refuses it.</param>
    /// <param name="expires">The expiry; 10 minutes from now by default.</param>
    public static string For(string userId, string? role = null, string? signingKey = null, DateTime? expires = null) =>
        signingKey is null
            ? AccessTokens.Mint(new JwtSettings { SigningKey = PlatformHost.JwtSigningKey }, userId, role, expires)
            : AccessTokens.MintHs256(new JwtSettings(), signingKey, userId, role);

    /// <summary>A gateway client signed in as a new administrator (its own rate-limit budget), for an hour.</summary>
    public static HttpClient AdminClient(this PlatformFixture platform) => platform.App.AdminClient();

    /// <summary>A gateway client of this platform signed in as a new administrator, for an hour.</summary>
    public static HttpClient AdminClient(this Aspire.Hosting.DistributedApplication app)
    {
        var client = Aspire.Hosting.Testing.DistributedApplicationHostingTestingExtensions.CreateHttpClient(app, "gateway");
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            For($"admin-{Guid.NewGuid():N}", "admin", expires: DateTime.UtcNow.AddHours(1)));
        return client;
    }

    /// <summary>A client of one resource of the platform (not through the gateway), signed in as an administrator: internal routes such as Payment's records admit one.</summary>
    public static HttpClient AdminClientOf(this Aspire.Hosting.DistributedApplication app, string resource)
    {
        var client = Aspire.Hosting.Testing.DistributedApplicationHostingTestingExtensions.CreateHttpClient(app, resource);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            For($"operator-{Guid.NewGuid():N}", "admin", expires: DateTime.UtcNow.AddHours(1)));
        return client;
    }

    public static HttpRequestMessage WithToken(this HttpRequestMessage request, string token)
    {
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    /// <summary>Sends a request as the token's user, with an optional JSON body and Idempotency-Key.</summary>
    public static Task<HttpResponseMessage> SendAsUserAsync(this HttpClient client, HttpMethod method, string path, string token,
        object? body = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, path).WithToken(token);
        if (body is not null)
        {
            request.Content = System.Net.Http.Json.JsonContent.Create(body);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return client.SendAsync(request);
    }
}
