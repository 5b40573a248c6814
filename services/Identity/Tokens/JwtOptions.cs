using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Hosting;

namespace Identity.Api.Tokens;

/// <summary>
/// How tokens are issued (configuration section "Jwt", shared with the services that validate them:
/// see ServiceDefaults' AuthenticationExtensions). The signing key comes from an AppHost parameter or a
/// Kubernetes Secret, never from source.
/// </summary>
public sealed class JwtOptions
{
    public const string SectionName = AuthenticationExtensions.SectionName;

    /// <summary>HMAC-SHA256 wants a key at least as long as its output: 256 bits.</summary>
    public const int MinimumSigningKeyLength = 32;

    /// <summary>Checked at start (ValidateOnStart): once the service runs, it is there and long enough.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The <c>kid</c> header: validators pick the key by it, which lets keys rotate.</summary>
    public string KeyId { get; set; } = "key-1";

    public string Issuer { get; set; } = AuthenticationExtensions.DefaultIssuer;

    public string Audience { get; set; } = AuthenticationExtensions.DefaultAudience;

    [Range(1, 24 * 60)]
    public int AccessTokenMinutes { get; set; } = 15;

    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 14;
}
