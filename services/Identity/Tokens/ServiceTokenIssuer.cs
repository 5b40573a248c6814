using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Identity.Api.Tokens;

/// <summary>
/// Issues service tokens (client credentials): ES256 with the same key as user tokens, the target
/// service as audience, the calling service in <c>client_id</c>, no subject and no role, so no user
/// route and no administrator route ever accepts one.
/// </summary>
public sealed class ServiceTokenIssuer
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly JwtSettings _jwt;
    private readonly SigningCredentials _credentials;
    private readonly TimeProvider _clock;

    public ServiceTokenIssuer(IOptions<JwtSettings> jwt, IOptions<TokenLifetimes> lifetimes, TimeProvider clock)
    {
        _jwt = jwt.Value;
        _clock = clock;
        _credentials = new SigningCredentials(_jwt.CurrentSigningKey(), JwtSettings.Algorithm);
        Lifetime = TimeSpan.FromMinutes(lifetimes.Value.ServiceTokenMinutes);
    }

    public TimeSpan Lifetime { get; }

    public string Issue(string clientId, string audience)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _jwt.Issuer,
            Audience = audience,
            Claims = new Dictionary<string, object>
            {
                [ServiceCallers.ClientIdClaim] = clientId,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            SigningCredentials = _credentials,
        });
    }
}
