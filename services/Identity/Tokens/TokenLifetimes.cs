using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Hosting;

namespace Identity.Api.Tokens;

/// <summary>
/// How long the tokens Identity issues live (configuration section "Jwt", next to the key, issuer and
/// audience every service shares through ServiceDefaults' <see cref="JwtSettings"/>).
/// </summary>
public sealed class TokenLifetimes
{
    public const string SectionName = JwtSettings.SectionName;

    [Range(1, 24 * 60)]
    public int AccessTokenMinutes { get; set; } = 15;

    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 14;
}
