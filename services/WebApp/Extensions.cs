using Microsoft.Extensions.Caching.Hybrid;
using WebApp.Catalog;
using WebApp.Components;

namespace WebApp;

public static class StorefrontExtensions
{
    /// <summary>The storefront's settings (<c>Storefront:GatewayAddress</c>).</summary>
    public const string SectionName = "Storefront";

    /// <summary>
    /// Pages rendered on the server (static rendering: no circuit per visitor), and the platform's public
    /// API reached through the gateway, as any client reaches it: the storefront holds no data of its own.
    /// </summary>
    public static void AddStorefront(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.AddHybridCache(options => options.DefaultEntryOptions = new HybridCacheEntryOptions
        {
            // Categories, brands and the names behind product images change rarely; product pages read the API each time.
            Expiration = TimeSpan.FromMinutes(5),
            LocalCacheExpiration = TimeSpan.FromMinutes(5),
        });

        var gateway = builder.Configuration.GetValue<Uri>($"{SectionName}:GatewayAddress")
            ?? throw new InvalidOperationException($"{SectionName}:GatewayAddress is not set.");
        builder.Services.AddHttpClient<CatalogClient>(client => client.BaseAddress = gateway);
    }

    public static WebApplication UseStorefront(this WebApplication app)
    {
        // A page that fails shows the error page, never a blank one or a ProblemDetails document.
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found");
        app.MapInfrastructureEndpoints();
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapProductImages();
        app.MapRazorComponents<App>();
        return app;
    }
}
