using System.Text;
using Identity.Api.Model;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Identity.Api.Tokens;

/// <summary>
/// Issues the access tokens every service accepts (AddDefaultAuthentication): HMAC-SHA256 with
/// <c>Jwt:SigningKey</c>, <c>kid</c> = <c>Jwt:KeyId</c>, the user id in <c>sub</c>, <c>role</c> = admin for administrators.
/// </summary>
public sealed class AccessTokenIssuer
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly JwtOptions _options;
    private readonly SigningCredentials _credentials;
    private readonly TimeProvider _clock;

    public AccessTokenIssuer(IOptions<JwtOptions> options, TimeProvider clock)
    {
        _options = options.Value;
        _clock = clock;
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(_options.SigningKey!)) { KeyId = _options.KeyId };
        _credentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
    }

    public TimeSpan Lifetime => TimeSpan.FromMinutes(_options.AccessTokenMinutes);

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
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            SigningCredentials = _credentials,
        });
    }
}
