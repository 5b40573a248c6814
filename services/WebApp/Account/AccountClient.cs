using System.Net;
using WebApp.PublicApi;

namespace WebApp.Account;

/// <summary>What Identity gives at sign-in and refresh.</summary>
public sealed record TokenSet(string AccessToken, string RefreshToken, int ExpiresIn);

/// <summary>The account part of the public API (<c>/api/identity</c>), through the gateway.</summary>
public sealed class AccountClient(HttpClient http)
{
    /// <summary>The tokens, or null when the email and password do not match an account (or it is locked).</summary>
    public async Task<TokenSet?> SignInAsync(string email, string password, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.PostAsJsonAsync("api/identity/login", new { email, password }, cancellationToken), cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return null;
        }

        return await PublicApiCalls.ReadAsync<TokenSet>(response, cancellationToken);
    }

    /// <exception cref="ApiProblemException">400 naming the field, 409 the email is taken, or the API could not answer.</exception>
    public async Task RegisterAsync(string name, string email, string password, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.PostAsJsonAsync("api/identity/register", new { email, password, name }, cancellationToken), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ApiProblemException.FromAsync(response, cancellationToken);
        }
    }

    /// <summary>New tokens for a refresh token (which is used up); null when it is no longer valid: the session is over.</summary>
    public async Task<TokenSet?> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.PostAsJsonAsync("api/identity/refresh", new { refreshToken }, cancellationToken), cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return null;
        }

        return await PublicApiCalls.ReadAsync<TokenSet>(response, cancellationToken);
    }

    /// <summary>Ends the session at Identity (revokes its refresh tokens). Best effort: signing out here happens anyway.</summary>
    public async Task SignOutAsync(string accessToken, string refreshToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/identity/logout") { Content = JsonContent.Create(new { refreshToken }) };
        request.Headers.Authorization = new("Bearer", accessToken);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (PublicApiCalls.IsUnanswered(ex, cancellationToken))
        {
            // The refresh token expires on its own; the cookie is gone either way.
        }
    }
}
