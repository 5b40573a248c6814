using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace UnitTests.ServiceDefaults;

/// <summary>
/// What every service's token validation (AddDefaultAuthentication) accepts: ES256 tokens of Identity's
/// key (given as a public key, or Identity's own private key with its retired public keys), never an
/// HS256 token; and that it refuses to run with an unusable key.
/// </summary>
public class DefaultAuthenticationTests
{
    private static readonly string Current = NewKey();
    private static readonly string Retired = NewKey();

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddDefaultAuthentication();
        return builder.Build();
    }

    [Theory]
    [InlineData("Jwt:SigningKey", "")]
    [InlineData("Jwt:SigningKey", "an-hs256-shared-secret-of-48-characters-0123456")]
    [InlineData("Jwt:PublicKey", "not-a-key")]
    public async Task A_service_with_an_unusable_key_does_not_start(string setting, string value)
    {
        await using var app = Build(new() { [setting] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public async Task A_retired_key_that_reuses_the_current_key_id_stops_the_start()
    {
        await using var app = Build(new()
        {
            ["Jwt:SigningKey"] = Current,
            ["Jwt:KeyId"] = "key-2",
            ["Jwt:PreviousKeys:key-2"] = PublicKeyOf(Retired),
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Jwt:PreviousKeys", error.Message);
    }

    public static TheoryData<string, string, string, bool> Signers => new()
    {
        { "current", "key-2", "ES256", true },
        { "retired", "key-1", "ES256", true },
        { "other", "key-2", "ES256", false },
        { "hs256", "key-2", "HS256", false },
    };

    [Theory]
    [MemberData(nameof(Signers))]
    public async Task Identity_accepts_tokens_of_its_current_or_a_retired_key_and_nothing_else(string signer, string keyId, string algorithm, bool accepted)
    {
        await using var app = Build(new()
        {
            ["Jwt:SigningKey"] = Current,
            ["Jwt:KeyId"] = "key-2",
            ["Jwt:PreviousKeys:key-1"] = PublicKeyOf(Retired),
        });

        Assert.Equal(accepted, await ValidatesAsync(app, Token(signer, keyId, algorithm)));
    }

    [Theory]
    [MemberData(nameof(Signers))]
    public async Task A_service_with_only_the_public_key_accepts_tokens_of_that_key_only(string signer, string keyId, string algorithm, bool accepted)
    {
        await using var app = Build(new() { ["Jwt:PublicKey"] = PublicKeyOf(Current), ["Jwt:KeyId"] = "key-2" });

        Assert.Equal(accepted && signer == "current", await ValidatesAsync(app, Token(signer, keyId, algorithm)));
    }

    [Fact]
    public void A_service_without_a_configured_key_reads_Identitys_metadata_over_service_discovery()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddDefaultAuthentication();
        using var app = builder.Build();

        var options = app.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);

        Assert.Equal("http://identity/.well-known/openid-configuration", options.MetadataAddress);
        Assert.Null(options.TokenValidationParameters.IssuerSigningKeys);
        Assert.Equal([SecurityAlgorithms.EcdsaSha256], options.TokenValidationParameters.ValidAlgorithms);
    }

    private static async Task<bool> ValidatesAsync(WebApplication app, string token)
    {
        var parameters = app.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>()
            .Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters;
        return (await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters)).IsValid;
    }

    private static string Token(string signer, string keyId, string algorithm)
    {
        SecurityKey key = signer switch
        {
            "current" => new JwtSettings { SigningKey = Current }.CurrentSigningKey(),
            "retired" => new JwtSettings { SigningKey = Retired }.CurrentSigningKey(),
            "other" => new JwtSettings { SigningKey = NewKey() }.CurrentSigningKey(),
            _ => new SymmetricSecurityKey(Encoding.UTF8.GetBytes(new string('k', 48))),
        };
        key.KeyId = keyId;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "ecommerce-identity",
            Audience = "ecommerce",
            Subject = new ClaimsIdentity([new Claim("sub", "user-1")]),
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(key, algorithm == "HS256" ? SecurityAlgorithms.HmacSha256 : SecurityAlgorithms.EcdsaSha256),
        });
    }

    private static string NewKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return Convert.ToBase64String(key.ExportPkcs8PrivateKey());
    }

    private static string PublicKeyOf(string privateKey)
    {
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(Convert.FromBase64String(privateKey), out _);
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }
}
