namespace WebApp.PublicApi;

/// <summary>
/// Tells the gateway whose request a call is made for (<c>X-Forwarded-For</c>: the shopper's address), so that its
/// per-client rate limit counts each shopper, not the storefront as one client. The gateway believes the header only
/// from the proxies it is configured to trust (<c>Gateway:ForwardedHeaders</c>: in a cluster the pod network, which
/// the ingress controller needs as well); from anyone else it is ignored.
/// </summary>
public sealed class ShopperAddressHandler(IHttpContextAccessor accessor) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (accessor.HttpContext?.Connection.RemoteIpAddress is { } shopper)
        {
            request.Headers.Remove("X-Forwarded-For");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", shopper.ToString());
        }

        return base.SendAsync(request, cancellationToken);
    }
}
