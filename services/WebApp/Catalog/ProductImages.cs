using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace WebApp.Catalog;

/// <summary>
/// Each product's picture: drawn from its id and name (an SVG of a few hundred bytes), so that every product,
/// a new one included, has one without an image store. Cached by browsers and proxies for a day.
/// </summary>
public static class ProductImages
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    public static string PathOf(int productId) => $"/images/products/{productId}.svg";

    public static IEndpointRouteBuilder MapProductImages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/images/products/{id:int}.svg", async (int id, CatalogClient catalog, HttpContext context, CancellationToken cancellationToken) =>
        {
            if (await catalog.GetItemNameAsync(id, cancellationToken) is not { } name)
            {
                return Results.NotFound();
            }

            var svg = Draw(id, name);
            var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(svg)))[..16]}\"";
            context.Response.Headers.CacheControl = $"public, max-age={(int)Lifetime.TotalSeconds}";
            context.Response.Headers.ETag = etag;
            return context.Request.Headers.IfNoneMatch == etag
                ? Results.StatusCode((int)HttpStatusCode.NotModified)
                : Results.Text(svg, "image/svg+xml", Encoding.UTF8);
        }).ExcludeFromDescription();
        return app;
    }

    /// <summary>A tile in a colour of the product's own, with its initials. Decorative: pages give the alt text.</summary>
    public static string Draw(int id, string name)
    {
        var hue = (id * 47) % 360;
        var initials = string.Concat(name.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2).Select(w => char.ToUpperInvariant(w[0])));
        return string.Create(CultureInfo.InvariantCulture, $"""
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300">
              <rect width="400" height="300" fill="hsl({hue}, 45%, 88%)"/>
              <circle cx="200" cy="150" r="90" fill="hsl({hue}, 55%, 42%)"/>
              <text x="200" y="150" dy="0.35em" text-anchor="middle" font-family="system-ui, sans-serif" font-size="72" font-weight="600" fill="#fff">{WebUtility.HtmlEncode(initials)}</text>
            </svg>
            """);
    }
}
