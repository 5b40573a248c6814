using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using StackExchange.Redis;
using WebApp.Account;
using WebApp.Admin;
using WebApp.Basket;
using WebApp.Catalog;
using WebApp.Components;
using WebApp.Orders;
using WebApp.PublicApi;

namespace WebApp;

public static class StorefrontExtensions
{
    /// <summary>The storefront's settings (<c>Storefront:GatewayAddress</c>).</summary>
    public const string SectionName = "Storefront";

    /// <summary>The administrators' pages: the <c>admin</c> role of Identity's tokens.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>The connection name of the Redis that keeps the Data Protection keys.</summary>
    public const string RedisName = "redis";

    /// <summary>The Redis list that holds the Data Protection keys, each encrypted with <see cref="KeyEncryptionCertificateSetting"/>.</summary>
    public const string DataProtectionKeysKey = "storefront:data-protection-keys";

    /// <summary>
    /// The certificate that encrypts the Data Protection keys before they are stored: base64 of a PKCS#12 file without a
    /// password, holding an RSA certificate and its private key (AppHost parameter <c>storefront-key-encryption-certificate</c>).
    /// </summary>
    public const string KeyEncryptionCertificateSetting = $"{SectionName}:KeyEncryptionCertificate";

    /// <summary>
    /// Pages rendered on the server (static rendering: no circuit per visitor), and the platform's public
    /// API reached through the gateway, as any client reaches it: the storefront holds no data of its own.
    /// </summary>
    public static void AddStorefront(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddHybridCache(options => options.DefaultEntryOptions = new HybridCacheEntryOptions
        {
            // Categories, brands and the names behind product images change rarely; product pages read the API each time.
            Expiration = TimeSpan.FromMinutes(5),
            LocalCacheExpiration = TimeSpan.FromMinutes(5),
        });

        // The keys that encrypt session cookies and antiforgery tokens, shared by every replica and kept across
        // restarts (a pod's filesystem is neither): in Redis. Loaded once and then held in memory, so a Redis outage
        // does not end sessions, and not a readiness check: the shop keeps serving pages without Redis. Each key is
        // encrypted with a certificate before it is stored, and a key found unencrypted is never loaded, so reading
        // Redis gives neither the sessions nor the means to forge one. Writing to it must stay restricted: a key
        // encrypted with the certificate's public half would be taken.
        builder.AddRedisClient(RedisName, settings => settings.DisableHealthChecks = true,
            options => options.AbortOnConnectFail = false);
        builder.Services.AddDataProtection().SetApplicationName("storefront")
            .ProtectKeysWithCertificate(KeyEncryptionCertificate(builder.Configuration));
        builder.Services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer, ILogger<EncryptedKeyRepository>>((options, redis, logger) =>
            options.XmlRepository = new EncryptedKeyRepository(new RedisXmlRepository(() => redis.GetDatabase(), DataProtectionKeysKey), logger));

        // The session cookie: HttpOnly, encrypted, holding Identity's tokens (Account/ShopperSession.cs).
        builder.Services.AddScoped<ShopperSession.RefreshingEvents>();
        builder.Services.AddAuthentication(ShopperSession.Scheme).AddCookie(options =>
        {
            options.Cookie.Name = ShopperSession.CookieName;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.LoginPath = "/signin";
            options.LogoutPath = "/signout";
            options.AccessDeniedPath = "/";
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
            options.EventsType = typeof(ShopperSession.RefreshingEvents);
        });
        builder.Services.AddAuthorization(options => options.AddPolicy(AdminPolicy, policy => policy.RequireRole("admin")));

        var gateway = builder.Configuration.GetValue<Uri>($"{SectionName}:GatewayAddress")
            ?? throw new InvalidOperationException($"{SectionName}:GatewayAddress is not set.");
        builder.Services.AddTransient<UserTokenHandler>();
        builder.Services.AddTransient<ShopperAddressHandler>();
        IHttpClientBuilder PublicApi<TClient>() where TClient : class =>
            builder.Services.AddHttpClient<TClient>(client => client.BaseAddress = gateway).AddHttpMessageHandler<ShopperAddressHandler>();
        PublicApi<CatalogClient>();
        PublicApi<AccountClient>();
        PublicApi<BasketClient>().AddHttpMessageHandler<UserTokenHandler>();
        PublicApi<OrdersClient>().AddHttpMessageHandler<UserTokenHandler>();
        PublicApi<ProfileClient>().AddHttpMessageHandler<UserTokenHandler>();
        PublicApi<CatalogAdminClient>().AddHttpMessageHandler<UserTokenHandler>();
        PublicApi<InventoryClient>().AddHttpMessageHandler<UserTokenHandler>();
        PublicApi<DeadLetterClient>().AddHttpMessageHandler<UserTokenHandler>();

        // A page waits for the API within the gateway's time for a page (its `standard` timeout, 10 s): a rate limit's
        // 429 is an answer to show, not to wait out (its Retry-After can be a minute), and a POST is never sent twice.
        // A read is cut at 3 s to try again; a write's one attempt has the whole time, since cutting it short would
        // tell the shopper "no answer" about an order the platform may still be placing.
        builder.Services.ConfigureAll<HttpStandardResilienceOptions>(options =>
        {
            options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(3);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(8);
            options.AttemptTimeout.TimeoutGenerator = arguments => ValueTask.FromResult(
                IsRetried(arguments.Context.GetRequestMessage()) ? options.AttemptTimeout.Timeout : options.TotalRequestTimeout.Timeout);
            options.Retry.ShouldHandle = arguments => ValueTask.FromResult(
                arguments.Outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests && HttpClientResiliencePredicates.IsTransient(arguments.Outcome));
            options.Retry.DisableForUnsafeHttpMethods();
        });
    }

    private static X509Certificate2 KeyEncryptionCertificate(IConfiguration configuration)
    {
        var value = configuration[KeyEncryptionCertificateSetting];
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException($"{KeyEncryptionCertificateSetting} is not set: the storefront stores its session keys " +
                "only encrypted. The AppHost generates the certificate (parameter storefront-key-encryption-certificate); in a cluster it comes from a Secret.");
        }

        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(value), password: null);
            using var privateKey = certificate.GetRSAPrivateKey();
            if (privateKey is null)
            {
                certificate.Dispose();
                throw new InvalidOperationException($"{KeyEncryptionCertificateSetting} holds no RSA private key: keys encrypted with it could never be read again.");
            }

            return certificate;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            throw new InvalidOperationException($"{KeyEncryptionCertificateSetting} is not a base64 PKCS#12 file without a password: {ex.Message}", ex);
        }
    }

    private static bool IsRetried(HttpRequestMessage? request) =>
        request?.Method is not { } method || method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options;

    public static WebApplication UseStorefront(this WebApplication app)
    {
        // A page that fails shows the error page, never a blank one or a ProblemDetails document.
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found");
        app.MapInfrastructureEndpoints();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapProductImages();
        app.MapOrderStatus();
        app.MapRazorComponents<App>();
        return app;
    }
}
