using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TestSupport;

namespace Identity.Tests;

/// <summary>
/// Identity's keys and service tokens: the JWKS alone validates its tokens (no private or shared key
/// anywhere else), it never publishes the private half, and client credentials give a short-lived token
/// for an allowed audience only.
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed class TokenApiTests(IdentityFixture fixture)
{
    [Fact]
    public async Task A_login_token_validates_with_only_the_published_JWKS()
    {
        var email = IdentityFixture.NewEmail();
        await fixture.RegisterAsync(email);
        var tokens = await fixture.LoginAsync(email);

        var metadata = await fixture.Anonymous.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");
        var jwksUri = metadata.GetProperty("jwks_uri").GetString()!;
        var jwks = new JsonWebKeySet(await fixture.Anonymous.GetStringAsync(jwksUri));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(tokens.AccessToken, new TokenValidationParameters
        {
            ValidIssuer = metadata.GetProperty("issuer").GetString(),
            ValidAudience = IdentityFixture.Audience,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("ES256", new JsonWebToken(tokens.AccessToken).Alg);
        Assert.All(jwks.Keys, key => Assert.False(key.HasPrivateKey));
        Assert.DoesNotContain("\"d\"", await fixture.Anonymous.GetStringAsync(jwksUri));
    }

    [Fact]
    public async Task A_token_signed_with_another_key_or_HS256_is_refused_by_a_service()
    {
        var foreign = AccessTokens.Mint(TestKeys.NewSettings(IdentityFixture.KeyId), "someone", "admin");
        var hs256 = AccessTokens.MintHs256(new() { KeyId = IdentityFixture.KeyId }, new string('k', 48), "someone", "admin");

        foreach (var token in new[] { foreign, hs256 })
        {
            Assert.False((await fixture.ValidateAsync(token)).IsValid);
            using var client = fixture.ClientWith(token);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/identity/profile")).StatusCode);
        }
    }

    [Fact]
    public async Task Client_credentials_give_a_five_minute_service_token_for_an_allowed_audience()
    {
        var response = await RequestAsync("orderworkflow", IdentityFixture.WorkflowSecret, "payment");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(300, body.GetProperty("expires_in").GetInt32());
        var token = body.GetProperty("access_token").GetString()!;
        Assert.True((await fixture.ValidateAsync(token, audience: "payment")).IsValid);
        Assert.False((await fixture.ValidateAsync(token, audience: IdentityFixture.Audience)).IsValid);
        var jwt = new JsonWebToken(token);
        Assert.Equal("orderworkflow", jwt.GetClaim("client_id").Value);
        Assert.False(jwt.TryGetClaim("sub", out _));
        Assert.False(jwt.TryGetClaim("role", out _));
    }

    [Theory]
    [InlineData("orderworkflow", "wrong-secret-wrong-secret-wrong-secret", "payment", HttpStatusCode.Unauthorized, "invalid_client")]
    [InlineData("stranger", IdentityFixture.WorkflowSecret, "payment", HttpStatusCode.Unauthorized, "invalid_client")]
    [InlineData("orderworkflow", IdentityFixture.WorkflowSecret, "basket", HttpStatusCode.BadRequest, "invalid_target")]
    [InlineData("orderworkflow", IdentityFixture.WorkflowSecret, "ecommerce", HttpStatusCode.BadRequest, "invalid_target")]
    public async Task Client_credentials_are_refused_for_a_wrong_secret_an_unknown_client_or_an_audience_not_allowed(
        string clientId, string secret, string audience, HttpStatusCode expected, string error)
    {
        var response = await RequestAsync(clientId, secret, audience);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(error, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_service_token_is_not_a_users_token()
    {
        var response = await RequestAsync("orderworkflow", IdentityFixture.WorkflowSecret, "inventory");
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;

        using var client = fixture.ClientWith(token);

        // Issued for inventory, so Identity (another audience) does not even accept it as a token.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/identity/profile")).StatusCode);
    }

    private Task<HttpResponseMessage> RequestAsync(string clientId, string secret, string audience) =>
        fixture.Anonymous.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["audience"] = audience,
        }));
}
