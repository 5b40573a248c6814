using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TestSupport;

namespace Gateway.Tests;

/// <summary>
/// The real gateway (its Program, appsettings.json routes and clusters) on Kestrel, with every
/// destination of every cluster played by its own <see cref="Backend"/>, found through service
/// discovery configuration as Aspire provides it (<c>services:{name}:http:0</c>). Tests pass settings
/// to tighten limits, timeouts and health-check intervals.
/// </summary>
public sealed class GatewayTestbed : IAsyncDisposable
{
    public const string KeyId = "gateway-tests";

    /// <summary>The AppHost's resource names behind the gateway's clusters.</summary>
    public static readonly string[] CatalogReplicas = ["catalog", "catalog-2", "catalog-3"];
    public const string CatalogBackup = "catalog-backup";

    /// <summary>Every destination the catalog's read route can reach.</summary>
    public static readonly string[] CatalogDestinations = [.. CatalogReplicas, CatalogBackup];
    private static readonly string[] OtherServices = ["inventory", "basket", "ordering", "identity", "webapp"];
    private static readonly string[] Clusters = ["catalog", "catalog-write", .. OtherServices];

    private readonly ServiceUnderTest<Gateway.RateLimiting.RateLimitingOptions> _gateway;

    private GatewayTestbed(ServiceUnderTest<Gateway.RateLimiting.RateLimitingOptions> gateway, Dictionary<string, Backend> backends, string signingKey, HttpClient client)
    {
        _gateway = gateway;
        Backends = backends;
        SigningKey = signingKey;
        Client = client;
    }

    public IReadOnlyDictionary<string, Backend> Backends { get; }

    public string SigningKey { get; }

    /// <summary>A client of the gateway; each test's own, so no cookies or connections leak between tests.</summary>
    public HttpClient Client { get; }

    public Backend this[string name] => Backends[name];

    /// <summary>Makes every catalog destination answer with this <c>Cache-Control</c> (null: none).</summary>
    public void CatalogAnswers(string? cacheControl)
    {
        foreach (var name in CatalogDestinations)
        {
            Backends[name].CacheControl = cacheControl;
        }
    }

    /// <summary>How many requests with this method and path reached any catalog destination.</summary>
    public int CatalogReached(string method, string path) => CatalogDestinations.Sum(name => Backends[name].Count(method, path));

    /// <param name="settings">Overrides of the testbed's configuration; a <c>Jwt:SigningKey</c> here (a private key) is the one
    /// <see cref="Token"/> signs with; the gateway gets only its public key.</param>
    /// <param name="redis">The Redis that holds the rate-limit counters; none: each gateway counts on its own.</param>
    /// <param name="redisReachable">Whether to wait, before the first request, until the gateway is connected to <paramref name="redis"/>.</param>
    public static async Task<GatewayTestbed> StartAsync(IDictionary<string, string?>? settings = null, string? redis = null, bool redisReachable = true)
    {
        var names = CatalogReplicas.Append(CatalogBackup).Concat(OtherServices).ToArray();
        var backends = (await Task.WhenAll(names.Select(Backend.StartAsync))).ToDictionary(backend => backend.Name);

        // Identity's private key stays with the test, new for every testbed unless given.
        var signingKey = settings?.TryGetValue("Jwt:SigningKey", out var given) == true && given is not null
            ? given
            : TestKeys.NewPrivateKey();
        var configuration = new Dictionary<string, string?>
        {
            ["Jwt:PublicKey"] = TestKeys.PublicKeyOf(signingKey),
            ["Jwt:KeyId"] = KeyId,
            ["Gateway:ExposeUpstream"] = "true",
            // High enough that only the rate-limit tests meet the limits.
            ["RateLimiting:UserPerMinute"] = "100000",
            ["RateLimiting:UserPerHour"] = "100000",
            ["RateLimiting:AnonymousPerMinute"] = "100000",
            ["RateLimiting:LoginFailuresPerMinute"] = "100000",
            ["ConnectionStrings:redis"] = redis,
            // Each testbed its own counters, unless a test shares a prefix on purpose.
            ["RateLimiting:KeyPrefix"] = $"gateway-tests:{Guid.NewGuid():N}:",
            ["Logging:LogLevel:Default"] = "Warning",
            // Probes of a backend a test stopped on purpose are expected to fail.
            ["Logging:LogLevel:Yarp"] = "Error",
        };
        foreach (var backend in backends.Values)
        {
            configuration[$"services:{backend.Name}:http:0"] = backend.Url;
        }

        foreach (var cluster in Clusters)
        {
            // Short probes keep ejection and readmission tests quick; the policy is appsettings.json's.
            configuration[$"ReverseProxy:Clusters:{cluster}:HealthCheck:Active:Interval"] = "00:00:00.200";
            configuration[$"ReverseProxy:Clusters:{cluster}:HealthCheck:Active:Timeout"] = "00:00:01";
        }

        foreach (var (key, value) in (settings ?? new Dictionary<string, string?>()).Where(setting => setting.Key != "Jwt:SigningKey"))
        {
            configuration[key] = value;
        }

        var gateway = new ServiceUnderTest<Gateway.RateLimiting.RateLimitingOptions>(configuration);
        Uri address;
        try
        {
            address = await gateway.StartAsync();
        }
        catch
        {
            // A gateway that refused to start (a test of its configuration) leaves nothing running behind it.
            await gateway.DisposeAsync();
            foreach (var backend in backends.Values)
            {
                await backend.DisposeAsync();
            }

            throw;
        }

        if (redis is not null && redisReachable)
        {
            // The gateway connects to Redis in the background and counts on its own until then (by design: it
            // never waits for Redis); a test that counts exactly starts once the counters are shared.
            var counters = gateway.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>();
            await Eventually.TrueAsync(() => counters.IsConnected, "the gateway's Redis connection", TimeSpan.FromSeconds(30));
        }

        // Like a client outside: no trace headers of its own. (In this process the gateway's telemetry
        // listens, so HttpClient would otherwise start a trace per request and overwrite a given traceparent.)
        var client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = address };
        return new GatewayTestbed(gateway, backends, signingKey, client);
    }

    public string Token(string userId, string? role = null, DateTime? expires = null) =>
        AccessTokens.Mint(new JwtSettings { SigningKey = SigningKey, KeyId = KeyId }, userId, role, expires);

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token = null, HttpContent? content = null,
        Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        configure?.Invoke(request);
        return Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, token);

    /// <summary>The destination (AppHost resource name) that served a response, from X-Upstream.</summary>
    public static string? Upstream(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Upstream", out var values) ? values.Single() : null;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _gateway.DisposeAsync();
        foreach (var backend in Backends.Values)
        {
            await backend.DisposeAsync();
        }
    }
}
