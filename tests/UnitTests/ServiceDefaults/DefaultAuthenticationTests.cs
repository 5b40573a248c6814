using System.Security.Claims;
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

/// <summary>What every service's token validation (AddDefaultAuthentication) accepts, and that it refuses to run without a key.</summary>
public class DefaultAuthenticationTests
{
    private const string Key = "current-key-0123456789abcdef0123456789";
    private const string RetiredKey = "retired-key-0123456789abcdef0123456789";

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddDefaultAuthentication();
        return builder.Build();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("only-31-characters-long-0123456")]
    public async Task A_service_without_a_usable_signing_key_does_not_start(string? signingKey)
    {
        await using var app = Build(new() { ["Jwt:SigningKey"] = signingKey });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Jwt:SigningKey", error.Message);
    }

    [Theory]
    [InlineData("key-1", "")]
    [InlineData("key-1", "retired-but-only-31-characters!")]
    [InlineData("key-2", RetiredKey)]
    public async Task A_service_with_an_unusable_retired_key_does_not_start(string keyId, string retiredKey)
    {
        await using var app = Build(new()
        {
            ["Jwt:SigningKey"] = Key,
            ["Jwt:KeyId"] = "key-2",
            [$"Jwt:PreviousKeys:{keyId}"] = retiredKey,
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Jwt:PreviousKeys", error.Message);
    }

    [Theory]
    [InlineData(Key, "key-2", true)]
    [InlineData(RetiredKey, "key-1", true)]
    [InlineData("some-other-key-0123456789abcdef012345", "key-2", false)]
    public async Task Tokens_signed_with_the_current_or_a_retired_key_are_accepted_and_others_are_not(string signedWith, string keyId, bool accepted)
    {
        await using var app = Build(new()
        {
            ["Jwt:SigningKey"] = Key,
            ["Jwt:KeyId"] = "key-2",
            ["Jwt:PreviousKeys:key-1"] = RetiredKey,
        });
        var parameters = app.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>()
            .Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "ecommerce-identity",
            Audience = "ecommerce",
            Subject = new ClaimsIdentity([new Claim("sub", "user-1")]),
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signedWith)) { KeyId = keyId }, SecurityAlgorithms.HmacSha256),
        });

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters);

        Assert.Equal(accepted, result.IsValid);
    }
}
