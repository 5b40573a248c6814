using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using BuildingBlocks.Data;
using Identity.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Identity.Api.Tokens;

/// <summary>A new refresh token and the user it belongs to.</summary>
public sealed record IssuedRefreshToken(string UserId, string Token);

/// <summary>
/// Refresh tokens with rotation and reuse detection: each token is exchanged once for a new one of the
/// same family. A token presented again after its exchange was stolen or replayed, so its whole family
/// (the thief's and the owner's descendants alike) is revoked and the user must sign in again.
/// </summary>
public sealed class RefreshTokenStore(IdentityContext db, IOptions<TokenLifetimes> lifetimes, TimeProvider clock, ILogger<RefreshTokenStore> logger)
{
    private const int TokenBytes = 32;

    /// <summary>Starts a family (a login).</summary>
    public async Task<string> IssueAsync(string userId, CancellationToken cancellationToken)
    {
        var (token, row) = Create(userId, Guid.CreateVersion7(), clock.GetUtcNow());
        db.RefreshTokens.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return token;
    }

    /// <summary>Exchanges <paramref name="presented"/> for the next token of its family; null when it must be refused (401).</summary>
    public async Task<IssuedRefreshToken?> RotateAsync(string presented, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var hash = Hash(presented);
        var current = await db.RefreshTokens.AsNoTracking().SingleOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (current is null || current.RevokedAt is not null || current.ExpiresAt <= now)
        {
            return null;
        }

        if (current.UsedAt is not null)
        {
            await RevokeReusedFamilyAsync(current, cancellationToken);
            return null;
        }

        var (token, next) = Create(current.UserId, current.FamilyId, now);
        var won = await db.InTransactionAsync(async token =>
        {
            // The claim is conditional: of two concurrent exchanges of one token, the second waits for the
            // first's row lock, then finds used_at set and updates nothing.
            var claimed = await db.RefreshTokens
                .Where(t => t.Id == current.Id && t.UsedAt == null && t.RevokedAt == null)
                .ExecuteUpdateAsync(set => set.SetProperty(t => t.UsedAt, now).SetProperty(t => t.ReplacedById, next.Id), token);
            if (claimed == 0)
            {
                return false;
            }

            db.RefreshTokens.Add(next);
            await db.SaveChangesAsync(token);
            return true;
        }, cancellationToken);

        if (!won)
        {
            // Lost the race: someone else exchanged this token at the same moment. Indistinguishable from a replay.
            await RevokeReusedFamilyAsync(current, cancellationToken);
            return null;
        }

        return new IssuedRefreshToken(current.UserId, token);
    }

    /// <summary>Ends the session of <paramref name="presented"/> if it is the caller's; without a token, all the caller's sessions.</summary>
    public async Task RevokeAsync(string userId, string? presented, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var mine = db.RefreshTokens.Where(t => t.UserId == userId && t.RevokedAt == null);
        if (!string.IsNullOrEmpty(presented))
        {
            var hash = Hash(presented);
            var familyId = await db.RefreshTokens.Where(t => t.TokenHash == hash && t.UserId == userId)
                .Select(t => (Guid?)t.FamilyId).SingleOrDefaultAsync(cancellationToken);
            if (familyId is null)
            {
                // Unknown or someone else's: nothing to do, and nothing to tell.
                return;
            }

            mine = mine.Where(t => t.FamilyId == familyId);
        }

        await mine.ExecuteUpdateAsync(set => set.SetProperty(t => t.RevokedAt, now), cancellationToken);
    }

    /// <summary>
    /// Deletes refresh tokens that expired before <paramref name="expiredBefore"/>, a batch at a time so
    /// that no delete holds many row locks. Safe for reuse detection: an expired token is refused before
    /// its reuse is even considered, so a deleted row and an expired one answer the same.
    /// </summary>
    /// <returns>The number of rows deleted.</returns>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        const int batch = 1000;
        var total = 0;
        int deleted;
        do
        {
            deleted = await db.RefreshTokens.Where(t => t.ExpiresAt < expiredBefore)
                .OrderBy(t => t.ExpiresAt).Take(batch)
                .ExecuteDeleteAsync(cancellationToken);
            total += deleted;
        }
        while (deleted == batch);

        return total;
    }

    private async Task RevokeReusedFamilyAsync(RefreshToken reused, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var revoked = await db.RefreshTokens.Where(t => t.FamilyId == reused.FamilyId && t.RevokedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.RevokedAt, now), cancellationToken);
        logger.LogWarning("Refresh token reuse for user {UserId}: revoked {Count} tokens of family {FamilyId}",
            reused.UserId, revoked, reused.FamilyId);
    }

    private (string Token, RefreshToken Row) Create(string userId, Guid familyId, DateTimeOffset now)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));
        return (token, new RefreshToken
        {
            Id = Guid.CreateVersion7(),
            TokenHash = Hash(token),
            FamilyId = familyId,
            UserId = userId,
            CreatedAt = now,
            ExpiresAt = now.AddDays(lifetimes.Value.RefreshTokenDays),
        });
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
