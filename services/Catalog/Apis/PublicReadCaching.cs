namespace Catalog.Api.Apis;

/// <summary>
/// Public catalog reads are the same for every caller, so a successful one says so: <c>Cache-Control: public</c> with
/// a short <c>max-age</c> (<c>Catalog:PublicMaxAge</c>, 1 s unless configured) lets the gateway answer repeats without
/// a hop here. The lifetime is what a reader may see of a change that did not pass through that gateway (availability
/// from Inventory, another gateway's writes), on top of this service's own cache.
/// </summary>
public static class PublicReadCaching
{
    public const string MaxAgeKey = "Catalog:PublicMaxAge";

    public static RouteGroupBuilder CachedPublicly(this RouteGroupBuilder group, TimeSpan maxAge)
    {
        if (maxAge <= TimeSpan.Zero)
        {
            return group;
        }

        var cacheControl = $"public, max-age={Math.Max(1, (int)maxAge.TotalSeconds)}";
        return group.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var outcome = result is INestedHttpResult nested ? nested.Result : result;
            if (outcome is IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK })
            {
                context.HttpContext.Response.Headers.CacheControl = cacheControl;
            }

            return result;
        });
    }
}
