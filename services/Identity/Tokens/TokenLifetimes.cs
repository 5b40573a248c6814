using System.ComponentModel.DataAnnotations;

namespace Identity.Api.Tokens;

/// <summary>
/// How long the tokens Identity issues live, and how long their rows outlive them (configuration section
/// "Jwt", next to the signing key, issuer and audience through ServiceDefaults' <see cref="JwtSettings"/>).
/// </summary>
public sealed class TokenLifetimes
{
    public const string SectionName = JwtSettings.SectionName;

    [Range(1, 24 * 60)]
    public int AccessTokenMinutes { get; set; } = 15;

    /// <summary>Service tokens (client credentials) are short-lived: a caller fetches a new one every few minutes.</summary>
    [Range(1, 60)]
    public int ServiceTokenMinutes { get; set; } = 5;

    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 14;

    /// <summary>How long a refresh token's row is kept after it expired (for support and audit) before it is deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan ExpiredRefreshTokenRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often each Identity replica deletes expired refresh-token rows.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan RefreshTokenPruneInterval { get; set; } = TimeSpan.FromHours(1);
}
