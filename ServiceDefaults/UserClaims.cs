using System.Security.Claims;

namespace Microsoft.Extensions.Hosting;

/// <summary>Who the caller is, as the platform's access tokens say it.</summary>
public static class UserClaims
{
    /// <summary>The claim that holds the user's id (the JWT subject; Identity's user id).</summary>
    public const string UserId = "sub";

    /// <summary>The caller's user id, or null for an anonymous caller or a token without one.</summary>
    public static string? FindUserId(this ClaimsPrincipal user) => user.FindFirst(UserId)?.Value is { Length: > 0 } id ? id : null;

    /// <summary>The signed-in caller's user id (endpoints that require authorization always have one).</summary>
    public static string GetUserId(this ClaimsPrincipal user) =>
        user.FindUserId() ?? throw new InvalidOperationException($"An authenticated user always has a '{UserId}' claim.");
}
