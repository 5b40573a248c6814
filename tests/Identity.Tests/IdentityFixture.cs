using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Identity.Api.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StackExchange.Redis;
using TestSupport;

namespace Identity.Tests;

/// <summary>
/// The real Identity application on Kestrel (127.0.0.1, a free port) over a real PostgreSQL database
/// and a real redis-server (event bus and outbox relay), with a configured administrator.
/// </summary>
public sealed class IdentityFixture : IAsyncLifetime
{
    public const string Issuer = "ecommerce-identity";
    public const string Audience = "ecommerce";
    public const string KeyId = "identity-tests";
    public const string AdminEmail = "admin@identity-tests.example";
    public const string AdminPassword = "Admin-Pa55word!";

    /// <summary>Identity's private key (base64 PKCS#8); only Identity gets it.</summary>
    public string SigningKey { get; } = TestKeys.NewPrivateKey();

    /// <summary>The secret of the service client "orderworkflow", which may ask for tokens for payment and inventory.</summary>
    public const string WorkflowSecret = "identity-tests-orderworkflow-secret-0123456789";

    public LocalServers Servers { get; } = new();

    public HttpClient Anonymous { get; private set; } = null!;

    public IConnectionMultiplexer Redis { get; private set; } = null!;

    public string DatabaseConnectionString { get; private set; } = "";

    private ServiceUnderTest<IdentityContext>? _app;

    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        await Servers.InitializeAsync();
        Redis = await ConnectionMultiplexer.ConnectAsync(Servers.RedisConnectionString);
        DatabaseConnectionString = await Servers.CreateDatabaseAsync();

        _app = Build(Settings(DatabaseConnectionString));
        Anonymous = new HttpClient { BaseAddress = await _app.StartAsync() };
    }

    public async Task DisposeAsync()
    {
        Anonymous?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        await Servers.DisposeAsync();
    }

    /// <summary>The settings the AppHost would pass, for a database of the tests' choice.</summary>
    public Dictionary<string, string?> Settings(string databaseConnectionString) => new()
    {
        ["ConnectionStrings:identitydb"] = databaseConnectionString,
        ["ConnectionStrings:redis"] = Servers.RedisConnectionString,
        ["Dapr:Enabled"] = "false",
        ["EventBus:ServiceName"] = "identity",
        ["EventBus:OutboxPollInterval"] = "00:00:00.020",
        ["Jwt:SigningKey"] = SigningKey,
        ["Jwt:KeyId"] = KeyId,
        ["ServiceClients:orderworkflow:Secret"] = WorkflowSecret,
        ["ServiceClients:orderworkflow:Audiences:0"] = "payment",
        ["ServiceClients:orderworkflow:Audiences:1"] = "inventory",
        ["Identity:Admin:Email"] = AdminEmail,
        ["Identity:Admin:Password"] = AdminPassword,
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>
    /// Another instance of the real application (not started) with <paramref name="settings"/>, on the loopback port
    /// the system gives when it binds (ServiceUnderTest's default; its address is what StartAsync returns). A port found
    /// free beforehand could be taken before the bind: 97 tests once failed on "address already in use".
    /// </summary>
    public static ServiceUnderTest<IdentityContext> Build(Dictionary<string, string?> settings) => new(settings);

    public IdentityContext CreateContext(IServiceScope scope) => scope.ServiceProvider.GetRequiredService<IdentityContext>();

    /// <summary>A fresh email, so that tests never collide.</summary>
    public static string NewEmail() => $"user-{Guid.NewGuid():N}@example.com";

    public const string GoodPassword = "Sh0pping-Cart!";

    public async Task<string> RegisterAsync(string email, string password = GoodPassword, string name = "Ada Lovelace")
    {
        var response = await Anonymous.PostAsJsonAsync("/api/identity/register", new { email, password, name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Registered>())!.UserId;
    }

    public async Task<Tokens> LoginAsync(string email, string password = GoodPassword)
    {
        var response = await Anonymous.PostAsJsonAsync("/api/identity/login", new { email, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Tokens>())!;
    }

    /// <summary>A client that sends <paramref name="accessToken"/> as its bearer token.</summary>
    public HttpClient ClientWith(string accessToken)
    {
        var client = new HttpClient { BaseAddress = Anonymous.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>Validates a token as every other service does: only the public key, ES256, issuer and audience.</summary>
    public async Task<TokenValidationResult> ValidateAsync(string accessToken, string audience = Audience) =>
        await new JsonWebTokenHandler().ValidateTokenAsync(accessToken, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = audience,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            IssuerSigningKey = new ECDsaSecurityKey(JwtSettings.TryImport(TestKeys.PublicKeyOf(SigningKey), isPrivate: false)!) { KeyId = KeyId },
            ClockSkew = TimeSpan.Zero,
        });
}

public sealed record Registered(string UserId);

public sealed record Tokens(string AccessToken, string RefreshToken, int ExpiresIn);

[CollectionDefinition(Name)]
public sealed class IdentityCollection : ICollectionFixture<IdentityFixture>
{
    public const string Name = "identity";
}
