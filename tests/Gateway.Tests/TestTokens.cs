using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests;

/// <summary>
/// Mints access tokens as Identity will: HMAC-SHA256, issuer "ecommerce-identity", audience
/// "ecommerce", the user id in <c>sub</c>, an optional <c>role</c>.
/// </summary>
public static class TestTokens
{
    public static string For(string signingKey, string userId, string? role = null, DateTime? expires = null)
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)) { KeyId = GatewayTestbed.KeyId };
        var claims = new List<Claim> { new("sub", userId) };
        if (role is not null)
        {
            claims.Add(new Claim("role", role));
        }

        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "ecommerce-identity",
            Audience = "ecommerce",
            Subject = new ClaimsIdentity(claims),
            IssuedAt = expiry.AddMinutes(-20),
            NotBefore = expiry.AddMinutes(-20),
            Expires = expiry,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The same token with its payload rewritten (here: a role added) and the original signature kept.</summary>
    public static string Tampered(string token, string role)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1]));
        var forged = payload.TrimEnd('}') + $",\"role\":\"{role}\"}}";
        return $"{parts[0]}.{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(forged))}.{parts[2]}";
    }
}
