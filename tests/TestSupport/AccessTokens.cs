using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TestSupport;

/// <summary>
/// Mints access tokens as Identity's AccessTokenIssuer does, from the <see cref="JwtSettings"/> a test
/// host runs with: its key and key id, issuer and audience; the user id in <c>sub</c>, an optional <c>role</c>.
/// </summary>
public static class AccessTokens
{
    public static string Mint(JwtSettings jwt, string userId, string? role = null, DateTime? expires = null)
    {
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        var claims = new Dictionary<string, object> { ["sub"] = userId };
        if (role is not null)
        {
            claims["role"] = role;
        }

        // Issued before both now and the expiry, so expired and long-lived tokens are equally well formed.
        var issued = (expiry < DateTime.UtcNow ? expiry : DateTime.UtcNow).AddMinutes(-20);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            Claims = claims,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = expiry,
            SigningCredentials = new SigningCredentials(jwt.CurrentKey(), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The same token with its payload rewritten (a role added) and the original signature kept.</summary>
    public static string Tampered(string token, string role)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1]));
        var forged = payload.TrimEnd('}') + $",\"role\":\"{role}\"}}";
        return $"{parts[0]}.{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(forged))}.{parts[2]}";
    }
}
