using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsHost;

/// <summary>
/// Checks the caller's bearer token inside an HTTP function, for defence in depth behind the gateway.
/// Authorization middleware is not part of the Functions worker's pipeline, so the function asks:
/// the JWT handler and policies are those of ServiceDefaults' AddDefaultAuthentication, on either host.
/// </summary>
public static class FunctionAuthorization
{
    /// <summary>Null when the request carries a valid token that satisfies <paramref name="policy"/>; otherwise the 401 or 403 to return.</summary>
    public static async Task<IActionResult?> RequireAsync(HttpRequest request, string policy)
    {
        var context = request.HttpContext;
        var authenticated = await context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (!authenticated.Succeeded)
        {
            context.Response.Headers.WWWAuthenticate = authenticated.Failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
            return FunctionRequests.Problem(StatusCodes.Status401Unauthorized,
                authenticated.Failure is null ? "A bearer token is required." : "The bearer token is not valid.");
        }

        context.User = authenticated.Principal;
        var authorized = await context.RequestServices.GetRequiredService<IAuthorizationService>().AuthorizeAsync(context.User, policy);
        return authorized.Succeeded
            ? null
            : FunctionRequests.Problem(StatusCodes.Status403Forbidden, "The token is valid but does not grant this operation.");
    }
}
