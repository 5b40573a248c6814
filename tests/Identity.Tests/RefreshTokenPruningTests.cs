using System.Net;
using System.Net.Http.Json;
using Identity.Api.Tokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Identity.Tests;

/// <summary>Expired refresh tokens are deleted after their retention; live ones and their sessions are untouched.</summary>
[Collection(IdentityCollection.Name)]
public sealed class RefreshTokenPruningTests(IdentityFixture fixture)
{
    /// <summary>A signed-in user with, besides the live login token, one token long expired and one expired an hour ago.</summary>
    private async Task<(string UserId, Tokens Live, Guid LongExpired, Guid JustExpired)> UserWithExpiredTokensAsync(IServiceProvider services)
    {
        var email = IdentityFixture.NewEmail();
        var userId = await fixture.RegisterAsync(email);
        var live = await fixture.LoginAsync(email);
        await using var scope = services.CreateAsyncScope();
        var db = fixture.CreateContext(scope);
        var now = DateTimeOffset.UtcNow;
        RefreshToken Expired(TimeSpan ago) => new()
        {
            Id = Guid.CreateVersion7(),
            TokenHash = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32),
            FamilyId = Guid.CreateVersion7(),
            UserId = userId,
            CreatedAt = now - ago - TimeSpan.FromDays(14),
            ExpiresAt = now - ago,
        };
        var longExpired = Expired(TimeSpan.FromDays(3));
        var justExpired = Expired(TimeSpan.FromHours(1));
        db.AddRange(longExpired, justExpired);
        await db.SaveChangesAsync();
        return (userId, live, longExpired.Id, justExpired.Id);
    }

    private static async Task<List<Guid>> TokenIdsAsync(IServiceProvider services, string userId)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Identity.Api.Data.IdentityContext>().Set<RefreshToken>()
            .Where(t => t.UserId == userId).Select(t => t.Id).ToListAsync();
    }

    [Fact]
    public async Task Only_tokens_expired_longer_than_the_retention_are_deleted()
    {
        var (userId, live, longExpired, justExpired) = await UserWithExpiredTokensAsync(fixture.Services);

        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            var deleted = await scope.ServiceProvider.GetRequiredService<RefreshTokenStore>()
                .DeleteExpiredAsync(DateTimeOffset.UtcNow - TimeSpan.FromDays(1), CancellationToken.None);
            Assert.True(deleted >= 1);
        }

        var left = await TokenIdsAsync(fixture.Services, userId);
        Assert.DoesNotContain(longExpired, left);
        Assert.Contains(justExpired, left);
        Assert.Equal(2, left.Count); // the live login token and the one expired an hour ago
        var refreshed = await fixture.Anonymous.PostAsJsonAsync("/api/identity/refresh", new { refreshToken = live.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
    }

    [Fact]
    public async Task The_running_service_prunes_on_its_interval()
    {
        var settings = fixture.Settings(fixture.DatabaseConnectionString);
        settings["Jwt:RefreshTokenPruneInterval"] = "00:00:00.200";
        settings["Jwt:ExpiredRefreshTokenRetention"] = "1.00:00:00";
        await using var app = IdentityFixture.Build(settings);
        await app.StartAsync();

        // Rows written after the replica started: only its periodic run, not the one at start, can delete them.
        var (userId, _, longExpired, justExpired) = await UserWithExpiredTokensAsync(app.Services);

        await Eventually.TrueAsync(async () => !(await TokenIdsAsync(app.Services, userId)).Contains(longExpired),
            "the pruner to delete the long-expired token");
        Assert.Contains(justExpired, await TokenIdsAsync(app.Services, userId));
    }
}
