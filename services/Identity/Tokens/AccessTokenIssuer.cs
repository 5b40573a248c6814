using Identity.Api.Model;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Identity.Api.Tokens;

/// <summary>
/// Issues the access tokens every service accepts (AddDefaultAuthentication): ES256 with the private key
/// <c>Jwt:SigningKey</c> that only Identity holds, <c>kid</c> = <c>Jwt:KeyId</c>, the user id in <c>sub</c>,
/// <c>role</c> = admin for administrators.
/// </summary>
public sealed class AccessTokenIssuer
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly JwtSettings _jwt;
    private readonly SigningCredentials _credentials;
    private readonly TimeProvider _clock;

    public AccessTokenIssuer(IOptions<JwtSettings> jwt, IOptions<TokenLifetimes> lifetimes, TimeProvider clock)
    {
        _jwt = jwt.Value;
        _clock = clock;
        _credentials = new SigningCredentials(_jwt.CurrentSigningKey(), JwtSettings.Algorithm);
        Lifetime = TimeSpan.FromMinutes(lifetimes.Value.AccessTokenMinutes);
    }

    public TimeSpan Lifetime { get; }

    public string Issue(ApplicationUser user, IList<string> roles)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = user.Id,
            [JwtRegisteredClaimNames.Email] = user.Email!,
            [JwtRegisteredClaimNames.Name] = user.Name,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        if (roles.Count > 0)
        {
            // One role is a string (what most validators expect), several an array.
            claims["role"] = roles.Count == 1 ? roles[0] : roles.ToArray();
        }

        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _jwt.Issuer,
            Audience = _jwt.Audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            SigningCredentials = _credentials,
        });
    }
}
