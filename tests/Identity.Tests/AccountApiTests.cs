using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Identity.Tests;

/// <summary>Registration and sign-in against the real service.</summary>
[Collection(IdentityCollection.Name)]
public sealed class AccountApiTests(IdentityFixture fixture)
{
    private HttpClient Anonymous => fixture.Anonymous;

    [Fact]
    public async Task Register_then_login_issues_a_token_that_the_other_services_accept()
    {
        var email = IdentityFixture.NewEmail();
        var response = await Anonymous.PostAsJsonAsync("/api/identity/register", new { email, password = IdentityFixture.GoodPassword, name = "Ada Lovelace" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/identity/profile", response.Headers.Location?.OriginalString);
        var userId = (await response.Content.ReadFromJsonAsync<Registered>())!.UserId;
        Assert.False(string.IsNullOrEmpty(userId));

        var tokens = await fixture.LoginAsync(email);
        Assert.Equal(15 * 60, tokens.ExpiresIn);
        Assert.False(string.IsNullOrEmpty(tokens.RefreshToken));

        var validation = await fixture.ValidateAsync(tokens.AccessToken);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var jwt = (JsonWebToken)validation.SecurityToken;
        Assert.Equal(IdentityFixture.KeyId, jwt.Kid);
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal(userId, jwt.Subject);
        Assert.Equal(email, jwt.GetClaim("email").Value);
        Assert.Equal("Ada Lovelace", jwt.GetClaim("name").Value);
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.False(jwt.TryGetClaim("role", out _));
        Assert.Equal(TimeSpan.FromMinutes(15), jwt.ValidTo - jwt.IssuedAt);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_does_not_validate()
    {
        // Guards the check above: the validation really depends on the key.
        var email = IdentityFixture.NewEmail();
        await fixture.RegisterAsync(email);
        var tokens = await fixture.LoginAsync(email);

        // The same claims and key id, signed with a key of the right size that is not the configured one.
        var issued = new JsonWebToken(tokens.AccessToken);
        var otherKey = new SymmetricSecurityKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)) { KeyId = IdentityFixture.KeyId };
        var forged = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issued.Issuer,
            Audience = issued.Audiences.Single(),
            Subject = new System.Security.Claims.ClaimsIdentity(issued.Claims.Where(c => c.Type is "sub" or "email" or "name")),
            Expires = issued.ValidTo,
            SigningCredentials = new SigningCredentials(otherKey, SecurityAlgorithms.HmacSha256),
        });

        Assert.False((await fixture.ValidateAsync(forged)).IsValid);
        using var client = fixture.ClientWith(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/identity/profile")).StatusCode);
    }

    [Fact]
    public async Task A_second_registration_of_an_email_is_409_whatever_its_case()
    {
        var email = IdentityFixture.NewEmail();
        await fixture.RegisterAsync(email);

        foreach (var again in new[] { email, email.ToUpperInvariant() })
        {
            var response = await Anonymous.PostAsJsonAsync("/api/identity/register", new { email = again, password = IdentityFixture.GoodPassword, name = "Twin" });
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [InlineData("Ab1!", "PasswordTooShort")]
    [InlineData("abcdefgh1!", "PasswordRequiresUpper")]
    [InlineData("ABCDEFGH1!", "PasswordRequiresLower")]
    [InlineData("Abcdefgh!!", "PasswordRequiresDigit")]
    [InlineData("Abcdefgh12", "PasswordRequiresNonAlphanumeric")]
    public async Task A_weak_password_is_400_naming_the_broken_rule(string password, string rule)
    {
        var email = IdentityFixture.NewEmail();
        var response = await Anonymous.PostAsJsonAsync("/api/identity/register", new { email, password, name = "Weak" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        var messages = problem.GetProperty("errors").GetProperty("password").EnumerateArray().Select(m => m.GetString()!).ToList();
        Assert.Contains(messages, m => m.Contains(rule, StringComparison.Ordinal));
        Assert.Contains(rule, problem.GetProperty("rules").EnumerateArray().Select(r => r.GetString()));

        // Nothing was created: the same email registers fine with a good password.
        await fixture.RegisterAsync(email);
    }

    [Fact]
    public async Task A_password_breaking_several_rules_lists_each()
    {
        var response = await Anonymous.PostAsJsonAsync("/api/identity/register", new { email = IdentityFixture.NewEmail(), password = "abc", name = "Weak" });

        var rules = (await ProblemAsync(response)).GetProperty("rules").EnumerateArray().Select(r => r.GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "PasswordTooShort", "PasswordRequiresUpper", "PasswordRequiresDigit", "PasswordRequiresNonAlphanumeric" }, rules);
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("two@@example.com")]
    [InlineData(" padded@example.com")]
    [InlineData("Display Name <someone@example.com>")]
    [InlineData("")]
    [InlineData(null)]
    public async Task An_invalid_or_missing_email_is_400_naming_email(string? email)
    {
        var response = await Anonymous.PostAsJsonAsync("/api/identity/register", new { email, password = IdentityFixture.GoodPassword, name = "Nobody" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ProblemAsync(response)).GetProperty("errors").TryGetProperty("email", out _));
    }

    [Fact]
    public async Task Any_valid_email_registers_even_with_unusual_characters()
    {
        var email = $"o'brien+{Guid.NewGuid():N}@example.com";
        await fixture.RegisterAsync(email);
        await fixture.LoginAsync(email);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    public async Task A_missing_name_is_400_naming_name(string? name)
    {
        var response = await Anonymous.PostAsJsonAsync("/api/identity/register", new { email = IdentityFixture.NewEmail(), password = IdentityFixture.GoodPassword, name });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ProblemAsync(response)).GetProperty("errors").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task Malformed_bodies_are_400_not_500()
    {
        foreach (var path in new[] { "/api/identity/register", "/api/identity/login", "/api/identity/refresh" })
        {
            var broken = await Anonymous.PostAsync(path, new StringContent("{\"email\": ", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);

            var wrongType = await Anonymous.PostAsync(path, new StringContent("{\"email\": 42, \"refreshToken\": []}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        }
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_email_get_the_same_401()
    {
        var email = IdentityFixture.NewEmail();
        await fixture.RegisterAsync(email);

        var wrongPassword = await Anonymous.PostAsJsonAsync("/api/identity/login", new { email, password = "Wr0ng-password!" });
        var unknownEmail = await Anonymous.PostAsJsonAsync("/api/identity/login", new { email = IdentityFixture.NewEmail(), password = IdentityFixture.GoodPassword });

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownEmail.StatusCode);
        var first = await ProblemAsync(wrongPassword);
        var second = await ProblemAsync(unknownEmail);
        Assert.Equal(first.GetProperty("title").GetString(), second.GetProperty("title").GetString());
        Assert.Equal(first.GetProperty("detail").GetString(), second.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Ten_failed_logins_lock_the_account_even_for_the_right_password()
    {
        var email = IdentityFixture.NewEmail();
        await fixture.RegisterAsync(email);

        for (var i = 0; i < 10; i++)
        {
            var failed = await Anonymous.PostAsJsonAsync("/api/identity/login", new { email, password = $"Wr0ng-password-{i}!" });
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var locked = await Anonymous.PostAsJsonAsync("/api/identity/login", new { email, password = IdentityFixture.GoodPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
    }

    [Fact]
    public async Task A_successful_login_resets_the_failure_count()
    {
        var email = IdentityFixture.NewEmail();
        await fixture.RegisterAsync(email);

        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 9; i++)
            {
                await Anonymous.PostAsJsonAsync("/api/identity/login", new { email, password = "Wr0ng-password!" });
            }

            await fixture.LoginAsync(email);
        }
    }

    internal static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
