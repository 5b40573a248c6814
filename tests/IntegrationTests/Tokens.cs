using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IntegrationTests;

/// <summary>
/// Mints access tokens as Identity will: HMAC-SHA256 with the AppHost's signing key, issuer
/// "ecommerce-identity", audience "ecommerce", the user id in <c>sub</c>.
/// </summary>
public static class Tokens
{
    public static string For(string userId, string? role = null, string? signingKey = null, DateTime? expires = null)
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey ?? PlatformHost.JwtSigningKey)) { KeyId = "key-1" };
        var claims = new List<Claim> { new("sub", userId) };
        if (role is not null)
        {
            claims.Add(new Claim("role", role));
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "ecommerce-identity",
            Audience = "ecommerce",
            Subject = new ClaimsIdentity(claims),
            // Before both now and the expiry, so that expired and long-lived tokens are equally well formed.
            NotBefore = (expires is { } at && at < DateTime.UtcNow ? at : DateTime.UtcNow).AddMinutes(-20),
            Expires = expires ?? DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

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
