using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
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
                // 401 and 403 as ProblemDetails like every other error, instead of an empty body.
                options.Events = new JwtBearerEvents
                {
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        context.Response.Headers.WWWAuthenticate = context.AuthenticateFailure is null
                            ? "Bearer"
                            : "Bearer error=\"invalid_token\"";
                        await WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized,
                            context.AuthenticateFailure is null ? "A bearer token is required." : "The bearer token is not valid.");
                    },
                    OnForbidden = context => WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden,
                        "The token is valid but does not grant this operation."),
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, policy => policy.RequireRole("admin"));
        return builder;
    }

    private static async Task WriteProblemAsync(HttpContext httpContext, int status, string detail)
    {
        httpContext.Response.StatusCode = status;
        await httpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = status, Detail = detail },
        });
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
