using System.Text.Json.Serialization;
using Identity.Api.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Identity.Api.Apis;

/// <summary>
/// What other services need from Identity, cluster-internal (the gateway routes only /api/identity):
/// the public keys that validate every token (JWKS, with a minimal OpenID Connect metadata document
/// pointing at it) and service tokens by client credentials.
/// </summary>
public static class TokenApi
{
    public const string MetadataPath = "/.well-known/openid-configuration";
    public const string KeysPath = "/.well-known/jwks.json";
    public const string TokenPath = "/connect/token";

    public static IEndpointRouteBuilder MapTokenApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("").WithTags("Tokens");
        api.MapGet(MetadataPath, Metadata)
            .WithName("OpenIdConfiguration")
            .WithSummary("Issuer and key-set address, as OpenID Connect discovery describes them");
        api.MapGet(KeysPath, Keys)
            .WithName("JsonWebKeySet")
            .WithSummary("The public keys that validate Identity's tokens (current and retired)");
        api.MapPost(TokenPath, Token)
            .DisableAntiforgery()
            .WithName("ServiceToken")
            .WithSummary("A short-lived service token by client credentials (grant_type=client_credentials, client_id, client_secret, audience)")
            .Produces<TokenResponse>()
            .Produces<TokenError>(StatusCodes.Status400BadRequest)
            .Produces<TokenError>(StatusCodes.Status401Unauthorized);
        return app;
    }

    public sealed record OpenIdConfiguration(
        [property: JsonPropertyName("issuer")] string Issuer,
        [property: JsonPropertyName("jwks_uri")] string JwksUri,
        [property: JsonPropertyName("token_endpoint")] string TokenEndpoint,
        [property: JsonPropertyName("grant_types_supported")] string[] GrantTypesSupported,
        [property: JsonPropertyName("id_token_signing_alg_values_supported")] string[] SigningAlgorithms);

    /// <summary>RFC 6749 section 5.1.</summary>
    public sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("token_type")] string TokenType,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);

    /// <summary>RFC 6749 section 5.2.</summary>
    public sealed record TokenError(
        [property: JsonPropertyName("error")] string Error,
        [property: JsonPropertyName("error_description")] string Description);

    public static Ok<OpenIdConfiguration> Metadata(HttpRequest request, IOptions<JwtSettings> jwt)
    {
        // The address the caller reached Identity by: http://identity in a cluster, a local port here.
        var self = $"{request.Scheme}://{request.Host}{request.PathBase}";
        return TypedResults.Ok(new OpenIdConfiguration(jwt.Value.Issuer, self + KeysPath, self + TokenPath,
            ["client_credentials"], [JwtSettings.Algorithm]));
    }

    public static Ok<JsonWebKeySetDocument> Keys(IOptions<JwtSettings> jwt) =>
        TypedResults.Ok(new JsonWebKeySetDocument([.. jwt.Value.LocalValidationKeys().Select(PublicJwk)]));

    public static Results<Ok<TokenResponse>, BadRequest<TokenError>, JsonHttpResult<TokenError>> Token(
        [FromForm(Name = "grant_type")] string? grantType,
        [FromForm(Name = "client_id")] string? clientId,
        [FromForm(Name = "client_secret")] string? clientSecret,
        [FromForm(Name = "audience")] string? audience,
        IOptions<ServiceClients> clients, ServiceTokenIssuer issuer)
    {
        if (grantType != "client_credentials")
        {
            return TypedResults.BadRequest(new TokenError("unsupported_grant_type", "Only client_credentials is supported."));
        }

        if (clients.Value.Authenticate(clientId, clientSecret) is not { } client)
        {
            return TypedResults.Json(new TokenError("invalid_client", "Unknown client or wrong secret."), statusCode: StatusCodes.Status401Unauthorized);
        }

        if (string.IsNullOrEmpty(audience) || !client.Audiences.Contains(audience))
        {
            return TypedResults.BadRequest(new TokenError("invalid_target", $"'{clientId}' may not call '{audience}'."));
        }

        return TypedResults.Ok(new TokenResponse(issuer.Issue(clientId!, audience), "Bearer", (int)issuer.Lifetime.TotalSeconds));
    }

    /// <summary>The public half only: x and y, never d.</summary>
    private static JsonWebKeyDocument PublicJwk(ECDsaSecurityKey key)
    {
        var parameters = key.ECDsa.ExportParameters(includePrivateParameters: false);
        return new JsonWebKeyDocument("EC", "sig", JwtSettings.Algorithm, key.KeyId, "P-256",
            Base64UrlEncoder.Encode(parameters.Q.X!), Base64UrlEncoder.Encode(parameters.Q.Y!));
    }

    public sealed record JsonWebKeySetDocument(
        [property: JsonPropertyName("keys")] JsonWebKeyDocument[] Keys);

    public sealed record JsonWebKeyDocument(
        [property: JsonPropertyName("kty")] string Kty,
        [property: JsonPropertyName("use")] string Use,
        [property: JsonPropertyName("alg")] string Alg,
        [property: JsonPropertyName("kid")] string Kid,
        [property: JsonPropertyName("crv")] string Crv,
        [property: JsonPropertyName("x")] string X,
        [property: JsonPropertyName("y")] string Y);
}
