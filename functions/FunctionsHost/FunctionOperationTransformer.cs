using System.Reflection;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;
using Microsoft.OpenApi;

namespace FunctionsHost;

/// <summary>
/// Completes a function's operation with what ApiExplorer cannot read from a plain-path endpoint: the
/// route values of the trigger's route as path parameters (typed from the method's parameters) and the
/// JSON body named by <see cref="FunctionBodyAttribute"/>.
/// </summary>
internal sealed class FunctionOperationTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<FunctionAttribute>().Any() is false || metadata.OfType<MethodInfo>().LastOrDefault() is not { } method)
        {
            return;
        }

        var route = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>().FirstOrDefault()?.Route;
        operation.Parameters ??= [];
        foreach (var value in route is null ? [] : RoutePatternFactory.Parse(route).Parameters)
        {
            if (operation.Parameters.Any(p => p.In == ParameterLocation.Path && string.Equals(p.Name, value.Name, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var type = method.GetParameters().FirstOrDefault(p => string.Equals(p.Name, value.Name, StringComparison.OrdinalIgnoreCase))?.ParameterType ?? typeof(string);
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = value.Name,
                In = ParameterLocation.Path,
                Required = true,
                Schema = await context.GetOrCreateSchemaAsync(Nullable.GetUnderlyingType(type) ?? type, null, cancellationToken),
            });
        }

        if (metadata.OfType<FunctionBodyAttribute>().LastOrDefault() is { } body)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await ComponentAsync(context, body.Type, cancellationToken) },
                },
            };
        }
    }

    /// <summary>The body's schema as a named component (as the framework does for minimal API bodies), so that clients get a named type.</summary>
    private static async Task<IOpenApiSchema> ComponentAsync(OpenApiOperationTransformerContext context, Type type, CancellationToken cancellationToken)
    {
        var document = context.Document!;
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(type.Name))
        {
            document.Components.Schemas[type.Name] = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
        }

        return new OpenApiSchemaReference(type.Name, document);
    }
}
