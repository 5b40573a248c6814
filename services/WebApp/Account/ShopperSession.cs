using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.IdentityModel.JsonWebTokens;

namespace WebApp.Account;

/// <summary>
/// A shopper's session: an HttpOnly cookie, encrypted by ASP.NET Core Data Protection, that holds the user's claims
/// and Identity's tokens. Page scripts never see a token; the server reads them to call the API for the shopper.
/// </summary>
public static class ShopperSession
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string CookieName = ".shop.session";

    private const string AccessToken = "access_token";
    private const string RefreshToken = "refresh_token";
    private const string ExpiresAt = "expires_at";

    /// <summary>How long the tokens one refresh gave are handed to the session's other requests that came with the old ones.</summary>
    private static readonly HybridCacheEntryOptions SharedRefresh = new()
    {
        Expiration = TimeSpan.FromMinutes(1),
        LocalCacheExpiration = TimeSpan.FromMinutes(1),
    };

    /// <summary>An access token this close to its end is refreshed before it is used.</summary>
    private static readonly TimeSpan RefreshAhead = TimeSpan.FromMinutes(1);

    public static async Task SignInAsync(HttpContext context, TokenSet tokens)
    {
        var properties = new AuthenticationProperties { IsPersistent = false };
        Store(properties, tokens);
        await context.SignInAsync(Scheme, Principal(tokens.AccessToken), properties);
    }

    public static Task<string?> AccessTokenAsync(HttpContext context) => context.GetTokenAsync(AccessToken);

    public static Task<string?> RefreshTokenAsync(HttpContext context) => context.GetTokenAsync(RefreshToken);

    /// <summary>The user as the access token names them: subject, name, email, role.</summary>
    private static ClaimsPrincipal Principal(string accessToken)
    {
        var token = new JsonWebToken(accessToken);
        var claims = token.Claims
            .Where(c => c.Type is JwtRegisteredClaimNames.Sub or JwtRegisteredClaimNames.Name or JwtRegisteredClaimNames.Email or "role")
            .Select(c => new Claim(c.Type, c.Value));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme, JwtRegisteredClaimNames.Name, "role"));
    }

    private static void Store(AuthenticationProperties properties, TokenSet tokens) => properties.StoreTokens(
    [
        new AuthenticationToken { Name = AccessToken, Value = tokens.AccessToken },
        new AuthenticationToken { Name = RefreshToken, Value = tokens.RefreshToken },
        new AuthenticationToken
        {
            Name = ExpiresAt,
            Value = DateTimeOffset.UtcNow.AddSeconds(tokens.ExpiresIn).ToString("o", CultureInfo.InvariantCulture),
        },
    ]);

    /// <summary>
    /// On every request with a session: an access token about to expire is exchanged (Identity's rotating refresh
    /// token) and the cookie rewritten; a refresh token Identity no longer accepts ends the session.
    /// </summary>
    public sealed class RefreshingEvents(AccountClient account, HybridCache refreshes, ILogger<RefreshingEvents> logger) : CookieAuthenticationEvents
    {
        public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
        {
            var expiresAt = context.Properties.GetTokenValue(ExpiresAt);
            if (expiresAt is null
                || DateTimeOffset.Parse(expiresAt, CultureInfo.InvariantCulture) - DateTimeOffset.UtcNow > RefreshAhead)
            {
                return;
            }

            TokenSet? tokens;
            try
            {
                // A page and its images arrive together, each with the same cookie: one refresh for all of them,
                // since Identity takes a used refresh token for a stolen one and ends the session.
                var refreshToken = context.Properties.GetTokenValue(RefreshToken) ?? "";
                tokens = await refreshes.GetOrCreateAsync(
                    $"session-refresh:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(refreshToken)))}",
                    async token => await account.RefreshAsync(refreshToken, token),
                    SharedRefresh, cancellationToken: context.HttpContext.RequestAborted);
            }
            catch (PublicApi.ApiProblemException ex)
            {
                // Identity not answering is no reason to end the session: the next request tries again.
                logger.LogWarning("Could not refresh a session's access token: {Problem}", ex.Message);
                return;
            }

            if (tokens is null)
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(Scheme);
                return;
            }

            Store(context.Properties, tokens);
            context.ReplacePrincipal(Principal(tokens.AccessToken));
            context.ShouldRenew = true;
        }
    }
}
