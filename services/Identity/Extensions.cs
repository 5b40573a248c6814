using BuildingBlocks;
using BuildingBlocks.Data;
using Identity.Api.Data;
using Identity.Api.Model;
using Identity.Api.Tokens;
using Microsoft.AspNetCore.Identity;

namespace Identity.Api;

public static class IdentityServiceExtensions
{
    public const string DatabaseName = "identitydb";
    public const string RedisName = "redis";

    public static void AddIdentityServices(this IHostApplicationBuilder builder)
    {
        // Identity validates its own tokens too (logout, profile), exactly as every other service does;
        // that also checks the signing key at start.
        builder.AddDefaultAuthentication(serviceAudience: "identity");
        // Identity alone signs, so it alone must have the private key.
        builder.Services.AddOptions<JwtSettings>()
            .Validate(jwt => jwt.SigningKey is not null, JwtSettings.UnusableSigningKeyMessage);
        builder.Services.AddOptions<ServiceClients>()
            .Configure<IConfiguration>((clients, configuration) => configuration.GetSection(ServiceClients.SectionName).Bind(clients.Clients))
            // The audience read from configuration, not IOptions<JwtSettings>: a bad signing key then fails the start once, not twice.
            .Validate<IConfiguration>((clients, configuration) =>
                clients.AreUsable(configuration[$"{JwtSettings.SectionName}:Audience"] ?? new JwtSettings().Audience), ServiceClients.UnusableMessage)
            .ValidateOnStart();
        builder.Services.AddOptions<TokenLifetimes>()
            .BindConfiguration(TokenLifetimes.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.AddServiceDatabase<IdentityContext>(DatabaseName);
        builder.Services.AddHostedService<AdminSeeder>();
        // Redis carries the event bus and the outbox relay's lock.
        builder.AddServiceRedis(RedisName);
        builder.AddBuildingBlocks().AddOutbox<IdentityContext>();

        builder.Services.AddIdentityCore<ApplicationUser>(options =>
            {
                // The password policy is Identity's default (length 8, digit, lower, upper, symbol), spelled out.
                options.Password.RequiredLength = 8;
                options.Password.RequireDigit = true;
                options.Password.RequireLowercase = true;
                options.Password.RequireUppercase = true;
                options.Password.RequireNonAlphanumeric = true;
                options.User.RequireUniqueEmail = true;
                // The user name is the email, checked as an email: an apostrophe or another valid character is fine.
                options.User.AllowedUserNameCharacters = "";
                // Defence in depth: the gateway's per-account rate limit is the real brute-force barrier.
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 10;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<IdentityContext>();

        builder.Services.AddSingleton<AccessTokenIssuer>();
        builder.Services.AddSingleton<ServiceTokenIssuer>();
        builder.Services.AddScoped<RefreshTokenStore>();
        builder.Services.AddHostedService<RefreshTokenPruner>();
        builder.Services.AddScoped<UserRegistration>();
        builder.Services.AddValidation();
    }
}
