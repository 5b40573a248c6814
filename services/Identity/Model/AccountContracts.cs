using System.ComponentModel.DataAnnotations;

namespace Identity.Api.Model;

/// <summary>A new account. The password policy is Identity's (see the 400 answer's <c>rules</c>).</summary>
public sealed record RegisterRequest
{
    [Required, EmailAddress, StringLength(256)] public string? Email { get; init; }

    /// <summary>At least 8 characters with a digit, a lower-case and an upper-case letter and a symbol.</summary>
    [Required, StringLength(128)] public string? Password { get; init; }

    [Required, StringLength(ProfileLimits.MaxNameLength)] public string? Name { get; init; }
}

public sealed record RegisteredResponse(string UserId);

public sealed record LoginRequest
{
    [Required, StringLength(256)] public string? Email { get; init; }
    [Required, StringLength(128)] public string? Password { get; init; }
}

public sealed record RefreshRequest
{
    [Required, StringLength(200)] public string? RefreshToken { get; init; }
}

/// <summary>Without a refresh token, every session of the caller ends.</summary>
public sealed record LogoutRequest
{
    [StringLength(200)] public string? RefreshToken { get; init; }
}

/// <summary>A signed-in session: a short-lived access token and the single-use token that renews it.</summary>
/// <param name="AccessToken">A JWT for the Authorization header of every service.</param>
/// <param name="RefreshToken">Works once, at POST /api/identity/refresh.</param>
/// <param name="ExpiresIn">Seconds until the access token expires.</param>
public sealed record TokenResponse(string AccessToken, string RefreshToken, int ExpiresIn);
