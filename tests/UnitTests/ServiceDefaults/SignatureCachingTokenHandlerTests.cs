using System.Security.Claims;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;
using TestSupport;

namespace UnitTests.ServiceDefaults;

/// <summary>
/// Every service's token handler verifies a token's signature once and remembers it, while issuer, audience,
/// lifetime and the signing key's acceptance are checked on every validation. Signature checks are counted by
/// the key's crypto provider factory.
/// </summary>
public class SignatureCachingTokenHandlerTests
{
    private readonly JwtSettings _identity = TestKeys.NewSettings();
    private readonly CountingCryptoProviders _signatureChecks = new();
    private readonly SignatureCachingTokenHandler _handler = new();

    [Fact]
    public async Task A_token_verified_once_is_accepted_again_without_a_second_signature_check()
    {
        var token = AccessTokens.Mint(_identity, "user-1");
        var parameters = Parameters(Key());

        var first = await _handler.ValidateTokenAsync(token, parameters);
        var again = await _handler.ValidateTokenAsync(token, parameters);

        Assert.True(first.IsValid);
        Assert.True(again.IsValid);
        Assert.Equal("user-1", again.ClaimsIdentity.Name);
        Assert.Equal(1, _signatureChecks.Count);
    }

    [Fact]
    public async Task Each_validation_gets_its_own_identity()
    {
        var token = AccessTokens.Mint(_identity, "user-1");
        var parameters = Parameters(Key());

        var first = await _handler.ValidateTokenAsync(token, parameters);
        first.ClaimsIdentity.AddClaim(new Claim("role", "admin"));
        var again = await _handler.ValidateTokenAsync(token, parameters);

        Assert.False(again.ClaimsIdentity.HasClaim("role", "admin"));
    }

    [Fact]
    public async Task A_remembered_token_is_refused_once_it_has_expired()
    {
        var token = AccessTokens.Mint(_identity, "user-1", expires: DateTime.UtcNow.AddSeconds(2));
        var parameters = Parameters(Key());
        parameters.ClockSkew = TimeSpan.Zero;
        Assert.True((await _handler.ValidateTokenAsync(token, parameters)).IsValid);

        var refused = await Eventually.UntilAsync(() => _handler.ValidateTokenAsync(token, parameters),
            result => !result.IsValid, TimeSpan.FromSeconds(15), "the remembered token to be refused after its expiry");

        Assert.IsType<SecurityTokenExpiredException>(refused.Exception);
    }

    [Fact]
    public async Task A_remembered_token_is_refused_for_an_audience_it_was_not_issued_for()
    {
        var token = AccessTokens.Mint(_identity, "user-1");
        var key = Key();
        Assert.True((await _handler.ValidateTokenAsync(token, Parameters(key))).IsValid);

        var payment = Parameters(key);
        payment.ValidAudiences = ["payment"];
        var refused = await _handler.ValidateTokenAsync(token, payment);

        Assert.False(refused.IsValid);
        Assert.IsType<SecurityTokenInvalidAudienceException>(refused.Exception);
    }

    [Fact]
    public async Task A_remembered_token_is_refused_when_its_key_is_withdrawn_and_verified_afresh_under_new_key_objects()
    {
        var token = AccessTokens.Mint(_identity, "user-1");
        Assert.True((await _handler.ValidateTokenAsync(token, Parameters(Key()))).IsValid);

        var withdrawn = await _handler.ValidateTokenAsync(token, Parameters(Key(TestKeys.NewSettings())));
        var checksBefore = _signatureChecks.Count;
        // The same key read again, as a refresh of Identity's published keys builds it.
        var refreshed = await _handler.ValidateTokenAsync(token, Parameters(Key()));

        Assert.False(withdrawn.IsValid);
        Assert.True(refreshed.IsValid);
        Assert.Equal(checksBefore + 1, _signatureChecks.Count);
    }

    [Fact]
    public async Task A_refused_token_is_not_remembered()
    {
        var forged = AccessTokens.Tampered(AccessTokens.Mint(_identity, "user-1"), "admin");
        var parameters = Parameters(Key());

        Assert.False((await _handler.ValidateTokenAsync(forged, parameters)).IsValid);
        Assert.False((await _handler.ValidateTokenAsync(forged, parameters)).IsValid);
        Assert.Equal(2, _signatureChecks.Count);
    }

    /// <summary>A validator's key object for <paramref name="settings"/>' public key, its signature checks counted.</summary>
    private SecurityKey Key(JwtSettings? settings = null)
    {
        var key = (settings ?? _identity).CurrentSigningKey();
        key.CryptoProviderFactory = _signatureChecks;
        return key;
    }

    private TokenValidationParameters Parameters(SecurityKey key) => new()
    {
        ValidIssuer = _identity.Issuer,
        ValidAudiences = [_identity.Audience],
        ValidAlgorithms = [JwtSettings.Algorithm],
        IssuerSigningKeys = [key],
        NameClaimType = "sub",
    };

    private sealed class CountingCryptoProviders : CryptoProviderFactory
    {
        private int _count;

        public int Count => _count;

        public CountingCryptoProviders() => CacheSignatureProviders = false;

        public override SignatureProvider CreateForVerifying(SecurityKey key, string algorithm, bool cacheProvider)
        {
            Interlocked.Increment(ref _count);
            return base.CreateForVerifying(key, algorithm, cacheProvider);
        }
    }
}
