using BuildingBlocks.Data;
using Identity.Api.Model;
using Microsoft.AspNetCore.Identity;

namespace Identity.Api.Data;

/// <summary>
/// Makes sure the administrator from configuration (<c>Identity:Admin:Email</c>,
/// <c>Identity:Admin:Password</c>; the AppHost's admin-email and admin-password parameters) exists and
/// has role admin. Runs after the migrator; an existing account keeps its password. Replicas that start
/// together serialise on a PostgreSQL advisory lock, so exactly one creates and the others find it done.
/// </summary>
public sealed class AdminSeeder(IServiceScopeFactory scopes, IConfiguration configuration, ILogger<AdminSeeder> logger) : IHostedService
{
    public const string EmailKey = "Identity:Admin:Email";
    public const string PasswordKey = "Identity:Admin:Password";

    // Any constant that no other lock of this database uses (the migrator's is a hash of the context's name).
    private const long LockKey = 0x1D_E7_17_AD_01;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var email = configuration[EmailKey];
        var password = configuration[PasswordKey];
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            logger.LogInformation("No administrator configured ({EmailKey}, {PasswordKey}); none seeded", EmailKey, PasswordKey);
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityContext>();
        await db.Database.RunExclusiveAsync(LockKey,
            () => SeedAsync(scope.ServiceProvider, email.Trim(), password, cancellationToken), cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task SeedAsync(IServiceProvider services, string email, string password, CancellationToken cancellationToken)
    {
        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        var users = services.GetRequiredService<UserManager<ApplicationUser>>();

        if (!await roles.RoleExistsAsync(Roles.Admin))
        {
            Check(await roles.CreateAsync(new IdentityRole(Roles.Admin)), "create role admin");
        }

        var admin = await users.FindByEmailAsync(email);
        if (admin is null)
        {
            admin = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, Name = "Administrator" };
            Check(await services.GetRequiredService<UserRegistration>().RegisterAsync(admin, password, cancellationToken),
                $"create administrator {email} (check {PasswordKey} against the password policy)");
            logger.LogInformation("Created administrator {Email}", email);
        }

        if (!await users.IsInRoleAsync(admin, Roles.Admin))
        {
            Check(await users.AddToRoleAsync(admin, Roles.Admin), $"add {email} to role admin");
            logger.LogInformation("Added {Email} to role admin", email);
        }
    }

    /// <summary>A configured administrator that cannot be created is a deployment error: stop the start.</summary>
    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"Could not {what}: {string.Join(" ", result.Errors.Select(e => $"{e.Description} ({e.Code})"))}");
        }
    }
}
