using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FunctionsHost;

/// <summary>
/// Documents the JSON body an HTTP function reads itself (with <see cref="FunctionRequests.ReadAsync{T}"/>),
/// which the trigger's <c>HttpRequest</c> parameter cannot tell. Documentation only: unlike <c>[Consumes]</c>
/// it does not make routing refuse other content types.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FunctionBodyAttribute(Type type) : Attribute
{
    public Type Type { get; } = type;
}

/// <summary>Turns <see cref="FunctionBodyAttribute"/> into the operation's required JSON request body.</summary>
internal sealed class FunctionBodyTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<FunctionBodyAttribute>().LastOrDefault() is not { } body)
        {
            return;
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken) },
            },
        };
    }
}
