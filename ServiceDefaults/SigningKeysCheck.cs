using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Before a bearer token is checked against Identity's keys read from its metadata, makes sure the keys can be had.
/// Without them the token handler reads the metadata twice (a second time for the "unknown" key) and refuses the token,
/// so while Identity was frozen a shopper's valid token got 401 (signing the storefront out) after two waits of the
/// metadata client. Here: 503 for an endpoint that needs the user, an anonymous request for one that does not (a
/// signed-in shopper's public catalog read goes on). Once the keys have been read the check is done for good: the
/// configuration manager keeps them (a failed refresh returns the ones it has), and a signed-in request pays one read of
/// a field.
/// </summary>
internal sealed class SigningKeysCheck
{
    private volatile bool _held;

    public Task OnMessageReceived(MessageReceivedContext context) =>
        _held || context.Options.ConfigurationManager is not { } keys ? Task.CompletedTask : EnsureAsync(context, keys);

    private async Task EnsureAsync(MessageReceivedContext context, IConfigurationManager<OpenIdConnectConfiguration> keys)
    {
        if (!context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        try
        {
            await keys.GetConfigurationAsync(context.HttpContext.RequestAborted);
            _held = true;
        }
        catch (Exception ex) when (!context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // No endpoint (a function under the Functions host, whose own middleware authorizes): the caller is needed.
            var endpoint = context.HttpContext.GetEndpoint();
            if (endpoint is not null
                && (endpoint.Metadata.GetMetadata<IAuthorizeData>() is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null))
            {
                context.NoResult();
                return;
            }

            throw new DependencyUnavailableException("identity", ex);
        }
    }
}
