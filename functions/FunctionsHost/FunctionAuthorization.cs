using System.Reflection;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsHost;

/// <summary>
/// Enforces a function's <c>[Authorize(Policy = ...)]</c> on either host, with the JWT handler, the Dapr
/// app-token scheme and the policies of ServiceDefaults' AddDefaultAuthentication. On the plain path
/// ASP.NET Core's authorization middleware reads the attribute from the endpoint's metadata; under the
/// Functions host, whose pipeline has no authorization middleware, <see cref="Middleware"/> does the same
/// before the function runs. A function body never checks the caller itself.
/// </summary>
public static class FunctionAuthorization
{
    /// <summary>Null when the request satisfies <paramref name="policyName"/>; otherwise the 401 or 403 to return.</summary>
    public static async Task<IActionResult?> RequireAsync(HttpRequest request, string policyName)
    {
        var context = request.HttpContext;
        var policy = await context.RequestServices.GetRequiredService<IAuthorizationPolicyProvider>().GetPolicyAsync(policyName)
            ?? throw new InvalidOperationException($"No authorization policy named '{policyName}'.");
        if (policy.AuthenticationSchemes.Count == 0)
        {
            policy = new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme).Combine(policy).Build();
        }

        var evaluator = context.RequestServices.GetRequiredService<IPolicyEvaluator>();
        var authenticated = await evaluator.AuthenticateAsync(policy, context);
        var authorized = await evaluator.AuthorizeAsync(policy, authenticated, context, resource: null);
        if (authorized.Succeeded)
        {
            return null;
        }

        if (authorized.Challenged)
        {
            var invalid = authenticated.Failure is not null;
            context.Response.Headers.WWWAuthenticate = invalid ? "Bearer error=\"invalid_token\"" : "Bearer";
            return FunctionRequests.Problem(StatusCodes.Status401Unauthorized,
                invalid ? "The bearer token is not valid." : "A bearer token is required.");
        }

        return FunctionRequests.Problem(StatusCodes.Status403Forbidden, "The token is valid but does not grant this operation.");
    }

    /// <summary>The policy a function method requires (method attribute over class attribute), or null for none.</summary>
    public static string? PolicyOf(MethodInfo method) =>
        (method.GetCustomAttribute<AuthorizeAttribute>() ?? method.DeclaringType?.GetCustomAttribute<AuthorizeAttribute>())?.Policy;

    /// <summary>Under the Functions host: answers 401 or 403 instead of running a function whose policy the caller fails.</summary>
    internal sealed class Middleware(IReadOnlyDictionary<string, string> policiesByFunction)
    {
        public async Task InvokeAsync(FunctionContext context, Func<Task> next)
        {
            if (policiesByFunction.TryGetValue(context.FunctionDefinition.Name, out var policy)
                && context.GetHttpContext() is { } http
                && await RequireAsync(http.Request, policy) is { } denied)
            {
                await denied.ExecuteResultAsync(new ActionContext(http, http.GetRouteData(), new ActionDescriptor()));
                return;
            }

            await next();
        }
    }
}
