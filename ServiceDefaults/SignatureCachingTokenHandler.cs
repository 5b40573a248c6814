using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The JWT handler of every service: a token whose signature it has verified is not verified again while it
/// stays in a bounded in-process cache. Checking an ES256 signature was the largest single cost of a signed-in
/// request (a product read through the gateway verified two per request, the gateway's and the replica's), and
/// a client sends the same token for its whole life. Only the signature is remembered: issuer, audience,
/// lifetime and algorithm are checked on every request against the parameters of that request, and a
/// remembered token is verified afresh once the key that signed it is no longer among the accepted keys (a
/// rotation, or a key Identity withdrew). Tokens that fail are never remembered.
/// </summary>
public sealed class SignatureCachingTokenHandler : JsonWebTokenHandler
{
    /// <summary>Tokens remembered at most; past it, new ones are verified every time until old ones expire.</summary>
    public const int Capacity = 10_000;

    private readonly MemoryCache _verified = new(new MemoryCacheOptions { SizeLimit = Capacity });

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (_verified.TryGetValue(token, out VerifiedToken? verified)
            && await StillAcceptedAsync(verified!, validationParameters) is { } issuer)
        {
            return new TokenValidationResult
            {
                IsValid = true,
                Issuer = issuer,
                SecurityToken = verified!.Token,
                // Each request gets its own identity: one request's changes to it must not reach another's.
                ClaimsIdentity = verified.Identity.Clone(),
            };
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken { SigningKey: { } key } jwt)
        {
            // Kept no longer than any validation would accept it.
            _verified.Set(token, new VerifiedToken(jwt, key, result.ClaimsIdentity.Clone()), new MemoryCacheEntryOptions
            {
                Size = 1,
                AbsoluteExpiration = new DateTimeOffset(DateTime.SpecifyKind(jwt.ValidTo, DateTimeKind.Utc)) + validationParameters.ClockSkew,
            });
        }

        return result;
    }

    /// <summary>The checks that depend on the request's parameters rather than on the token's bytes; the issuer, or null to verify afresh.</summary>
    private static async Task<string?> StillAcceptedAsync(VerifiedToken verified, TokenValidationParameters parameters)
    {
        var configuration = parameters.ConfigurationManager is { } manager
            ? await manager.GetBaseConfigurationAsync(CancellationToken.None)
            : null;
        // The same key object: a refresh of Identity's keys builds new ones, so a refresh means one fresh check.
        var key = verified.Key;
        if (!ReferenceEquals(parameters.IssuerSigningKey, key)
            && !(parameters.IssuerSigningKeys?.Contains(key, ReferenceEqualityComparer.Instance) ?? false)
            && !(configuration?.SigningKeys.Contains(key, ReferenceEqualityComparer.Instance) ?? false))
        {
            return null;
        }

        var jwt = verified.Token;
        try
        {
            Validators.ValidateAlgorithm(jwt.Alg, key, jwt, parameters);
            Validators.ValidateLifetime(jwt.ValidFrom == DateTime.MinValue ? null : jwt.ValidFrom,
                jwt.ValidTo == DateTime.MinValue ? null : jwt.ValidTo, jwt, parameters);
            Validators.ValidateAudience(jwt.Audiences, jwt, parameters);
            // Against the configured issuers; an issuer known only from the metadata gets the full validation.
            return Validators.ValidateIssuer(jwt.Issuer, jwt, parameters);
        }
        catch (SecurityTokenException)
        {
            // The full validation gives the answer, with its reason.
            return null;
        }
    }

    private sealed record VerifiedToken(JsonWebToken Token, SecurityKey Key, ClaimsIdentity Identity);
}
