using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Recognises the Dapr sidecar: with app API token authentication the sidecar sends the shared token
/// (<c>APP_API_TOKEN</c>, set for the sidecar and the app from one secret) in the <c>dapr-api-token</c>
/// header of every call it makes to the app. Without <c>APP_API_TOKEN</c> configured nobody is the sidecar.
/// Only <see cref="ServiceCallers.EventDelivery"/> lists this scheme; it never answers a challenge itself
/// (the bearer scheme writes the 401 or 403).
/// </summary>
internal sealed class DaprAppTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DaprAppToken";
    public const string HeaderName = "dapr-api-token";
    public const string TokenSetting = "APP_API_TOKEN";
    private const string SidecarClaim = "dapr_sidecar";

    public static bool IsSidecar(ClaimsPrincipal user) => user.HasClaim(SidecarClaim, "true");

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var expected = configuration[TokenSetting];
        if (string.IsNullOrEmpty(expected) || !Request.Headers.TryGetValue(HeaderName, out var given))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given.ToString()), Encoding.UTF8.GetBytes(expected)))
        {
            return Task.FromResult(AuthenticateResult.Fail("The dapr-api-token header does not match APP_API_TOKEN."));
        }

        var identity = new ClaimsIdentity([new Claim(SidecarClaim, "true")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Task.CompletedTask;

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => Task.CompletedTask;
}
