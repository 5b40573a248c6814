using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Marks each operation with the security its endpoint enforces, read from the endpoint's authorization
/// metadata: none for anonymous endpoints (an explicit empty list, so the document says it is open),
/// the bearer scheme otherwise, listing the roles a named policy or <c>[Authorize(Roles)]</c> requires
/// (OpenAPI 3.1 allows role names for non-OAuth schemes). <see cref="ProblemResponsesTransformer"/> adds
/// the 401 and 403 answers that follow from it.
/// </summary>
internal sealed class SecurityRequirementTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        if (authorize.Count == 0 || metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [];
            return;
        }

        var roles = new SortedSet<string>(StringComparer.Ordinal);
        var policies = context.ApplicationServices.GetService<IAuthorizationPolicyProvider>();
        foreach (var data in authorize)
        {
            roles.UnionWith(Split(data.Roles));
            if (data.Policy is { Length: > 0 } name && policies is not null && await policies.GetPolicyAsync(name) is { } policy)
            {
                roles.UnionWith(policy.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles));
            }
        }

        roles.UnionWith(metadata.OfType<AuthorizationPolicy>()
            .SelectMany(p => p.Requirements.OfType<RolesAuthorizationRequirement>()).SelectMany(r => r.AllowedRoles));

        operation.Security =
        [
            new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(OpenApiDefaults.BearerScheme, context.Document)] = [.. roles],
            },
        ];
    }

    private static IEnumerable<string> Split(string? roles) =>
        (roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
