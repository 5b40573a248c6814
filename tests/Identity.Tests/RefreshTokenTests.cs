using System.Net;
using System.Net.Http.Json;
using Identity.Api.Tokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Tests;

/// <summary>Refresh token rotation, reuse detection and logout.</summary>
[Collection(IdentityCollection.Name)]
public sealed class RefreshTokenTests(IdentityFixture fixture)
{
    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        fixture.Anonymous.PostAsJsonAsync("/api/identity/refresh", new { refreshToken });

    private async Task<Tokens> SignedInAsync()
    {
        var email = IdentityFixture.NewEmail();
        await fixture.RegisterAsync(email);
        return await fixture.LoginAsync(email);
    }

    [Fact]
    public async Task Refresh_rotates_and_a_reused_token_revokes_the_whole_family()
    {
        var login = await SignedInAsync();

        var first = await RefreshAsync(login.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var rotated = (await first.Content.ReadFromJsonAsync<Tokens>())!;
        Assert.NotEqual(login.RefreshToken, rotated.RefreshToken);
        Assert.True((await fixture.ValidateAsync(rotated.AccessToken)).IsValid);
        Assert.Equal(15 * 60, rotated.ExpiresIn);

        // The old token again: a replay. It is refused, and so is its successor from then on.
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(login.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(rotated.RefreshToken)).StatusCode);

        // Refusals are ProblemDetails like every other error.
        var problem = await AccountApiTests.ProblemAsync(await RefreshAsync(rotated.RefreshToken));
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_chain_of_rotations_keeps_working()
    {
        var token = (await SignedInAsync()).RefreshToken;
        for (var i = 0; i < 3; i++)
        {
            var response = await RefreshAsync(token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            token = (await response.Content.ReadFromJsonAsync<Tokens>())!.RefreshToken;
        }
    }

    [Fact]
    public async Task Concurrent_refreshes_with_one_token_let_exactly_one_through()
    {
        var login = await SignedInAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => RefreshAsync(login.RefreshToken)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
    }

    [Fact]
    public async Task Unknown_empty_and_expired_tokens_are_refused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync("not-a-token")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await RefreshAsync("")).StatusCode);

        var login = await SignedInAsync();
        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            var userId = (await fixture.ValidateAsync(login.AccessToken)).ClaimsIdentity.FindFirst("sub")!.Value;
            await fixture.CreateContext(scope).Set<RefreshToken>().Where(t => t.UserId == userId)
                .ExecuteUpdateAsync(set => set.SetProperty(t => t.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(login.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task Refresh_tokens_are_stored_only_as_hashes()
    {
        var login = await SignedInAsync();
        await using var scope = fixture.Services.CreateAsyncScope();
        var hashes = await fixture.CreateContext(scope).Set<RefreshToken>().Select(t => t.TokenHash).ToListAsync();

        Assert.Contains(hashes, h => h.AsSpan().SequenceEqual(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(login.RefreshToken))));
        Assert.All(hashes, h => Assert.Equal(32, h.Length));
    }

    [Fact]
    public async Task Logout_revokes_the_session_of_the_token()
    {
        var email = IdentityFixture.NewEmail();
        await fixture.RegisterAsync(email);
        var session = await fixture.LoginAsync(email);
        var otherSession = await fixture.LoginAsync(email);
        using var client = fixture.ClientWith(session.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/identity/logout", new { refreshToken = session.RefreshToken })).StatusCode);
        // Idempotent.
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/identity/logout", new { refreshToken = session.RefreshToken })).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(session.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(otherSession.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task Logout_without_a_token_ends_every_session_of_the_caller()
    {
        var email = IdentityFixture.NewEmail();
        await fixture.RegisterAsync(email);
        var first = await fixture.LoginAsync(email);
        var second = await fixture.LoginAsync(email);
        using var client = fixture.ClientWith(first.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/identity/logout", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(first.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(second.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task Logout_cannot_end_someone_elses_session()
    {
        var victim = await SignedInAsync();
        var attacker = await SignedInAsync();
        using var client = fixture.ClientWith(attacker.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/identity/logout", new { refreshToken = victim.RefreshToken })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(victim.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task Logout_requires_an_access_token()
    {
        var session = await SignedInAsync();

        var response = await fixture.Anonymous.PostAsJsonAsync("/api/identity/logout", new { refreshToken = session.RefreshToken });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(session.RefreshToken)).StatusCode);
    }
}
