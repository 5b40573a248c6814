using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// JWT bearer validation for services (defence in depth behind the gateway). Tokens are issued by
/// Identity and signed with a key from configuration (an AppHost parameter / Kubernetes Secret, never
/// source): <c>Jwt:SigningKey</c> with key id <c>Jwt:KeyId</c>, issuer <c>Jwt:Issuer</c>, audience
/// <c>Jwt:Audience</c>. The user id is the <c>sub</c> claim; administrators have role <c>admin</c>.
/// </summary>
public static class AuthenticationExtensions
{
    public const string SectionName = "Jwt";
    public const string DefaultIssuer = "ecommerce-identity";
    public const string DefaultAudience = "ecommerce";
    public const string AdminPolicy = "admin";

    public static TBuilder AddDefaultAuthentication<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var jwt = builder.Configuration.GetSection(SectionName);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt["Issuer"] ?? DefaultIssuer,
                    ValidAudience = jwt["Audience"] ?? DefaultAudience,
                    IssuerSigningKeys = SigningKeys(jwt),
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, policy => policy.RequireRole("admin"));
        return builder;
    }

    /// <summary>The key that signs tokens now (<c>Jwt:SigningKey</c>), plus any retired ones still accepted (<c>Jwt:PreviousKeys:{kid}</c>).</summary>
    public static IReadOnlyList<SecurityKey> SigningKeys(IConfiguration jwt)
    {
        var keys = new List<SecurityKey>();
        if (jwt["SigningKey"] is { Length: > 0 } current)
        {
            keys.Add(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(current)) { KeyId = jwt["KeyId"] ?? "key-1" });
        }

        foreach (var previous in jwt.GetSection("PreviousKeys").GetChildren())
        {
            keys.Add(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(previous.Value!)) { KeyId = previous.Key });
        }

        return keys;
    }
}
