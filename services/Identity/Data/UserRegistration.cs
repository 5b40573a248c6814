using BuildingBlocks.Data;
using BuildingBlocks.Outbox;
using Identity.Api.IntegrationEvents.Events;
using Identity.Api.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Identity.Api.Data;

/// <summary>
/// Creates accounts. The user and its <see cref="UserRegistered"/> event commit in one transaction:
/// no account without its event, no event without its account.
/// </summary>
public sealed class UserRegistration(
    IdentityContext db, UserManager<ApplicationUser> users, IntegrationEventOutbox<IdentityContext> outbox, TimeProvider clock)
{
    /// <summary>Creates <paramref name="user"/> (user name = email) with <paramref name="password"/>, checked against the password policy.</summary>
    /// <exception cref="DbUpdateException">The email was registered concurrently (a unique violation).</exception>
    public async Task<IdentityResult> RegisterAsync(ApplicationUser user, string password, CancellationToken cancellationToken)
    {
        user.RegisteredAt = clock.GetUtcNow();
        return await db.InTransactionAsync(async token =>
        {
            // UserManager saves through the same scoped context, so inside this transaction.
            var result = await users.CreateAsync(user, password);
            if (!result.Succeeded)
            {
                return result;
            }

            outbox.Add(new UserRegistered(user.Id, user.Email!, user.Name, user.RegisteredAt), user.Id);
            await db.SaveChangesAsync(token);
            return result;
        }, cancellationToken);
    }
}
