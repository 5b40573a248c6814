using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// JWT bearer validation for services (defence in depth behind the gateway). Tokens are signed by
/// Identity alone (ES256, <see cref="JwtSettings"/>); a service validates with Identity's public keys,
/// read from its metadata through service discovery and refreshed when an unknown key id appears.
/// User tokens carry audience <c>ecommerce</c>, the user id in <c>sub</c> and role <c>admin</c> for
/// administrators; service tokens (<see cref="ServiceCallers"/>) carry the target service as audience
/// and the caller in <c>client_id</c>.
/// </summary>
public static class AuthenticationExtensions
{
    public const string AdminPolicy = "admin";

    /// <param name="builder">The host builder.</param>
    /// <param name="serviceAudience">This service's own audience (its service-discovery name, e.g. <c>payment</c>):
    /// service tokens issued for it are accepted; null for a service with no internal routes.</param>
    public static TBuilder AddDefaultAuthentication<TBuilder>(this TBuilder builder, string? serviceAudience = null) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<JwtSettings>()
            .BindConfiguration(JwtSettings.SectionName)
            .Validate(jwt => jwt.HasUsableSigningKey, JwtSettings.UnusableSigningKeyMessage)
            .Validate(jwt => jwt.HasUsablePublicKeys, JwtSettings.UnusablePublicKeyMessage)
            // At start: a service with a broken key would answer every request with 401 and still report healthy.
            .ValidateOnStart();
        builder.Services.TryAddSingleton(new ServiceAudience(serviceAudience));
        builder.Services.AddHttpClient(MetadataHttpClientName).AddIdentityCallDeadline();
        // The start's probe of Identity tries again on its own schedule (SigningKeysPrefetch.Pauses); the default
        // retries on top of it logged each refused connection, with its stack trace, while Identity was starting.
        // EXTEXP0001: the one way to take a client out of ConfigureHttpClientDefaults' handler, still marked experimental.
#pragma warning disable EXTEXP0001
        builder.Services.AddHttpClient(MetadataProbeHttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, DaprAppTokenHandler>(DaprAppTokenHandler.SchemeName, null);
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtSettings>, IHttpClientFactory>((options, settings, httpClients) =>
            {
                var jwt = settings.Value;
                options.TokenHandlers.Clear();
                options.TokenHandlers.Add(new SignatureCachingTokenHandler());
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Issuer,
                    ValidAudiences = serviceAudience is null ? [jwt.Audience] : [jwt.Audience, serviceAudience],
                    // Only Identity's asymmetric algorithm: an HS256 token (the old shared-key scheme) is refused
                    // whatever key it names.
                    ValidAlgorithms = [JwtSettings.Algorithm],
                    NameClaimType = UserClaims.UserId,
                    RoleClaimType = "role",
                    ClockSkew = TimeSpan.FromSeconds(30),
                    // Names the identity after the scheme, which tells a service token from the Dapr sidecar's identity.
                    AuthenticationType = JwtBearerDefaults.AuthenticationScheme,
                };
                var localKeys = jwt.LocalValidationKeys();
                if (localKeys.Count > 0)
                {
                    options.TokenValidationParameters.IssuerSigningKeys = localKeys;
                }
                else
                {
                    // Identity's keys over the cluster-internal http address; the handler caches them and
                    // fetches again when a token names a key id it does not know (a rotation).
                    options.MetadataAddress = jwt.MetadataAddress;
                    options.RequireHttpsMetadata = false;
                    options.Backchannel = httpClients.CreateClient(MetadataHttpClientName);
                    options.RefreshInterval = TimeSpan.FromSeconds(30);
                    options.AutomaticRefreshInterval = TimeSpan.FromHours(1);
                }

                // 401 and 403 as ProblemDetails like every other error, instead of an empty body.
                options.Events = new JwtBearerEvents
                {
                    OnMessageReceived = new SigningKeysCheck().OnMessageReceived,
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
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<SigningKeysPrefetch>();
        builder.Services.AddSingleton<IAuthorizationPolicyProvider, ServiceCallerPolicyProvider>();
        builder.Services.AddAuthorizationBuilder()
            // A user's token: service tokens have no subject, so they never pass for a shopper.
            .SetDefaultPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireClaim(UserClaims.UserId).Build())
            .AddPolicy(AdminPolicy, policy => policy.RequireClaim(UserClaims.UserId).RequireRole("admin"));
        return builder;
    }

    /// <summary>
    /// How long a request may wait for Identity in all, retries included, when it needs Identity's keys or a service token
    /// that this service does not hold yet. Well within the gateway's 10 s route deadline, so that while Identity is frozen
    /// or unreachable the service answers 503 itself; with the services' default pipeline (30 s) the gateway gave up first
    /// and answered 504, and the service went on waiting.
    /// </summary>
    public static readonly TimeSpan IdentityCallDeadline = TimeSpan.FromSeconds(5);

    /// <summary>How long one try of a call to Identity may take: a key set or a token is answered in milliseconds.</summary>
    public static readonly TimeSpan IdentityCallAttemptTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Replaces the client's default pipeline (ServiceDefaults) with one held to <see cref="IdentityCallDeadline"/>:
    /// quick retries for a refused connection (Identity restarting), one try cut at <see cref="IdentityCallAttemptTimeout"/>.
    /// </summary>
    internal static IHttpClientBuilder AddIdentityCallDeadline(this IHttpClientBuilder client)
    {
#pragma warning disable EXTEXP0001 // as above: the one way to take a client out of ConfigureHttpClientDefaults' handler
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        client.AddStandardResilienceHandler(options =>
        {
            options.TotalRequestTimeout.Timeout = IdentityCallDeadline;
            options.AttemptTimeout.Timeout = IdentityCallAttemptTimeout;
            options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        });
        return client;
    }

    /// <summary>The named HttpClient that reads Identity's metadata and keys (service discovery, resilience).</summary>
    public const string MetadataHttpClientName = "identity-metadata";

    /// <summary>The named HttpClient that asks at start whether Identity answers (service discovery, no retries of its own).</summary>
    public const string MetadataProbeHttpClientName = "identity-metadata-probe";

    private static async Task WriteProblemAsync(HttpContext httpContext, int status, string detail)
    {
        httpContext.Response.StatusCode = status;
        await httpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = status, Detail = detail },
        });
    }
}

/// <summary>This service's audience for service tokens (null: it accepts none).</summary>
internal sealed record ServiceAudience(string? Value);
