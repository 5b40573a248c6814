using System.Net.Http.Headers;

namespace WebApp.Account;

/// <summary>Sends the signed-in shopper's access token with each call an API client makes for them.</summary>
public sealed class UserTokenHandler(IHttpContextAccessor accessor) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (accessor.HttpContext is { } context && await ShopperSession.AccessTokenAsync(context) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
