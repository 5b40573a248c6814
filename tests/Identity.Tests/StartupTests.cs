using System.Net;
using System.Net.Http.Json;
using Identity.Api.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Identity.Tests;

/// <summary>What happens at start: the administrator is seeded, a missing signing key stops the service.</summary>
[Collection(IdentityCollection.Name)]
public sealed class StartupTests(IdentityFixture fixture)
{
    [Fact]
    public async Task The_configured_administrator_signs_in_with_role_admin()
    {
        var tokens = await fixture.LoginAsync(IdentityFixture.AdminEmail, IdentityFixture.AdminPassword);

        var jwt = (JsonWebToken)(await fixture.ValidateAsync(tokens.AccessToken)).SecurityToken;
        Assert.Equal("admin", jwt.GetClaim("role").Value);
        Assert.Equal(IdentityFixture.KeyId, jwt.Kid);
    }

    [Fact]
    public async Task Replicas_starting_together_seed_one_administrator()
    {
        var database = await fixture.Servers.CreateDatabaseAsync();
        var settings = fixture.Settings(database);
        var replicas = new[] { IdentityFixture.Build(settings), IdentityFixture.Build(settings) };
        try
        {
            await Task.WhenAll(replicas.Select(app => app.StartAsync()));

            // And once more, as after a restart: nothing to do, nothing fails.
            var restarted = IdentityFixture.Build(settings);
            await restarted.StartAsync();
            await restarted.DisposeAsync();

            await using var scope = replicas[0].Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var admins = await users.GetUsersInRoleAsync(Roles.Admin);
            Assert.Equal(IdentityFixture.AdminEmail, Assert.Single(admins).Email);
            Assert.Single(users.Users);
        }
        finally
        {
            foreach (var app in replicas)
            {
                await app.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Without_administrator_settings_none_is_seeded()
    {
        var settings = fixture.Settings(await fixture.Servers.CreateDatabaseAsync());
        settings.Remove("Identity:Admin:Email");
        settings.Remove("Identity:Admin:Password");
        await using var app = IdentityFixture.Build(settings);
        var address = await app.StartAsync();

        await using var scope = app.Services.CreateAsyncScope();
        Assert.Empty(scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().Users);

        using var client = new HttpClient { BaseAddress = address };
        var login = await client.PostAsJsonAsync("/api/identity/login", new { email = IdentityFixture.AdminEmail, password = IdentityFixture.AdminPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("an-hs256-shared-secret-of-48-characters-0123456")]
    public async Task A_missing_or_non_ECDSA_signing_key_stops_the_start_with_a_clear_message(string? signingKey)
    {
        var settings = fixture.Settings(fixture.DatabaseConnectionString);
        settings["Jwt:SigningKey"] = signingKey;
        await using var app = IdentityFixture.Build(settings);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Jwt:SigningKey", error.Message);
    }
}
