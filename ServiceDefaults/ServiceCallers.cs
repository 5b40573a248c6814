using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Authorization of internal routes: policies that admit a service token (issued by Identity to a
/// calling service by client credentials, audience = this service, the caller in <c>client_id</c>)
/// and nothing else. Anonymous callers get 401, user tokens (shoppers, administrators) 403. Apply a
/// policy with <c>[Authorize(Policy = ServiceCallers.OrderWorkflow)]</c> on a function or gRPC service,
/// or <see cref="RequireServiceCaller"/> on a minimal-API endpoint.
/// </summary>
public static class ServiceCallers
{
    /// <summary>The claim naming the calling service in a service token.</summary>
    public const string ClientIdClaim = "client_id";

    /// <summary>Policies named <c>service-caller:{client},{client}</c> admit those callers; <c>service-caller:*</c> any service.</summary>
    public const string PolicyPrefix = "service-caller:";

    /// <summary>The order workflow (saga) only.</summary>
    public const string OrderWorkflow = PolicyPrefix + "orderworkflow";

    /// <summary>Ordering only.</summary>
    public const string Ordering = PolicyPrefix + "ordering";

    /// <summary>Event deliveries over HTTP: the Dapr sidecar (its app API token) or any service token.</summary>
    public const string EventDelivery = "event-delivery";

    /// <summary>Operator routes (dead letters): an administrator or any service token.</summary>
    public const string AdminOrService = "admin-or-service";

    /// <summary>The policy name admitting exactly these calling services.</summary>
    public static string Policy(params string[] clientIds) => PolicyPrefix + string.Join(',', clientIds);

    /// <summary>Requires a service token for this service from one of <paramref name="clientIds"/>.</summary>
    public static TBuilder RequireServiceCaller<TBuilder>(this TBuilder endpoint, params string[] clientIds) where TBuilder : IEndpointConventionBuilder =>
        endpoint.RequireAuthorization(Policy(clientIds));

    /// <summary>True for a bearer token issued to a service (one of <paramref name="clientIds"/>, any if null) for <paramref name="audience"/>.</summary>
    internal static bool IsServiceCaller(ClaimsPrincipal user, string? audience, IReadOnlyCollection<string>? clientIds) =>
        audience is not null
        && user.Identities.Any(identity => identity.IsAuthenticated
            && identity.AuthenticationType == JwtBearerDefaults.AuthenticationScheme
            && identity.FindFirst(ClientIdClaim)?.Value is { Length: > 0 } client
            && (clientIds is null || clientIds.Contains(client))
            && identity.HasClaim("aud", audience));
}

/// <summary>Builds the <see cref="ServiceCallers"/> policies on demand; the others come from the registered options.</summary>
internal sealed class ServiceCallerPolicyProvider(IOptions<AuthorizationOptions> options, ServiceAudience audience) : DefaultAuthorizationPolicyProvider(options)
{
    // Each policy depends only on its name and this service's audience (a singleton): built once, cached.
    public override bool AllowsCachingPolicies => true;

    public override async Task<AuthorizationPolicy?> GetPolicyAsync(string policyName)
    {
        if (policyName.StartsWith(ServiceCallers.PolicyPrefix, StringComparison.Ordinal))
        {
            var callers = policyName[ServiceCallers.PolicyPrefix.Length..];
            var clientIds = callers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme)
                .RequireAssertion(context => ServiceCallers.IsServiceCaller(context.User, audience.Value, clientIds))
                .Build();
        }

        return policyName switch
        {
            ServiceCallers.EventDelivery => new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme, DaprAppTokenHandler.SchemeName)
                .RequireAssertion(context => DaprAppTokenHandler.IsSidecar(context.User)
                    || ServiceCallers.IsServiceCaller(context.User, audience.Value, clientIds: null))
                .Build(),
            ServiceCallers.AdminOrService => new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme)
                .RequireAssertion(context => context.User.IsInRole("admin") && context.User.FindUserId() is not null
                    || ServiceCallers.IsServiceCaller(context.User, audience.Value, clientIds: null))
                .Build(),
            _ => await base.GetPolicyAsync(policyName),
        };
    }
}
