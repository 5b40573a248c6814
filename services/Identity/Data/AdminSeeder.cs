using BuildingBlocks.Data;
using Identity.Api.Model;
using Microsoft.AspNetCore.Identity;

namespace Identity.Api.Data;

/// <summary>
/// Makes sure the administrator from configuration (<c>Identity:Admin:Email</c>,
/// <c>Identity:Admin:Password</c>; the AppHost's admin-email and admin-password parameters) exists and
/// has role admin. Runs after the migrator; an existing account keeps its password. Replicas that start
/// together serialise on a PostgreSQL advisory lock, so exactly one creates and the others find it done.
/// When the database is away at start (or not migrated yet) the seed is retried in the background
/// instead of ending the process; a configured administrator that Identity refuses still stops the start.
/// </summary>
public sealed class AdminSeeder(
    IServiceScopeFactory scopes,
    IConfiguration configuration,
    IEnumerable<DatabaseMigrationStatus> migrations,
    IHostApplicationLifetime lifetime,
    ILogger<AdminSeeder> logger) : IHostedService
{
    public const string EmailKey = "Identity:Admin:Email";
    public const string PasswordKey = "Identity:Admin:Password";

    // Any constant that no other lock of this database uses (the migrator's is a hash of the context's name).
    private const long LockKey = 0x1D_E7_17_AD_01;

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    // Not disposed: the host may call StopAsync after the container disposed its singletons.
    private readonly CancellationTokenSource _stopping = new();
    private Task _background = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var email = configuration[EmailKey];
        var password = configuration[PasswordKey];
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            logger.LogInformation("No administrator configured ({EmailKey}, {PasswordKey}); none seeded", EmailKey, PasswordKey);
            return;
        }

        // Normally the database is migrated by now and the administrator exists before the service answers.
        if (await TrySeedAsync(email.Trim(), password, cancellationToken))
        {
            return;
        }

        _background = SeedInBackgroundAsync(email.Trim(), password, _stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _background.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <returns>Whether the administrator is in place; false when the database is not usable yet.</returns>
    private async Task<bool> TrySeedAsync(string email, string password, CancellationToken cancellationToken)
    {
        if (!migrations.All(m => m.Applied.IsCompleted))
        {
            return false;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<IdentityContext>();
            await db.Database.RunExclusiveAsync(LockKey,
                () => SeedAsync(scope.ServiceProvider, email, password, cancellationToken), cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is not AdministratorRefusedException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Could not seed the administrator {Email} yet; retrying", email);
            return false;
        }
    }

    private async Task SeedInBackgroundAsync(string email, string password, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        try
        {
            while (true)
            {
                await DatabaseMigrationStatus.AllAppliedAsync(migrations, stoppingToken);
                if (await TrySeedAsync(email, password, stoppingToken))
                {
                    return;
                }

                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (AdministratorRefusedException ex)
        {
            // What would have stopped the start had the database been there: a deployment error.
            logger.LogCritical(ex, "The configured administrator cannot be created; stopping");
            lifetime.StopApplication();
        }
    }

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
            throw new AdministratorRefusedException(
                $"Could not {what}: {string.Join(" ", result.Errors.Select(e => $"{e.Description} ({e.Code})"))}");
        }
    }

    private sealed class AdministratorRefusedException(string message) : InvalidOperationException(message);
}
