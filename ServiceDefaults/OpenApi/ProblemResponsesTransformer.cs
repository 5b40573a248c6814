using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Declares the error answers every service gives as RFC 9457 ProblemDetails (ServiceDefaults' exception
/// handler, status-code pages and bearer events write them): 400 naming the field for any operation that
/// reads input, 404 where the path has parameters, 401/403 for secured operations, and a problem body for every other 4xx/5xx an endpoint
/// declares without one (a bare <c>TypedResults.NotFound()</c> still answers with ProblemDetails).
/// </summary>
internal sealed class ProblemResponsesTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        operation.Responses ??= [];
        var problem = await SchemaAsync(context, typeof(ProblemDetails), nameof(ProblemDetails), cancellationToken);
        // Route constraints ({id:int}) turn a malformed path value into 404 (no route matches), not 400.
        var constrainedPath = context.Description.ParameterDescriptions
            .Where(p => p.Source == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Path && p.RouteInfo?.Constraints?.Any() == true)
            .Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var pathParameters = operation.Parameters?.Where(p => p.In == ParameterLocation.Path).ToList() ?? [];
        var readsInput = operation.RequestBody is not null
            || operation.Parameters?.Any(p => p.In != ParameterLocation.Path) == true
            || context.Description.ParameterDescriptions.Any(p => p.Source == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Path && !constrainedPath.Contains(p.Name));
        if (pathParameters.Count > 0)
        {
            Add(operation, "404", "Nothing is found at this path: no such resource, or an identifier of the wrong form.", problem,
                Example(404, "Not Found"));
        }

        if (readsInput)
        {
            var validation = await SchemaAsync(context, typeof(HttpValidationProblemDetails), nameof(HttpValidationProblemDetails), cancellationToken);
            var field = operation.Parameters?.FirstOrDefault(p => p.In != ParameterLocation.Path)?.Name ?? "body";
            Add(operation, "400", "The input is not valid: `errors` names each field and what is wrong with it.", validation, new JsonObject
            {
                ["type"] = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                ["title"] = "One or more validation errors occurred.",
                ["status"] = 400,
                ["errors"] = new JsonObject { [field] = new JsonArray($"The value for '{field}' is not valid.") },
            });
        }

        if (operation.Security is { Count: > 0 } security)
        {
            Add(operation, "401", "A bearer token is missing, expired or not valid.", problem, Example(401, "A bearer token is required."));
            if (security.Any(requirement => requirement.Values.Any(roles => roles.Count > 0)))
            {
                Add(operation, "403", "The token is valid but lacks the role this operation requires.", problem,
                    Example(403, "The token is valid but does not grant this operation."));
            }
        }

        foreach (var (status, response) in operation.Responses.ToList())
        {
            if (int.TryParse(status, out var code) && code >= 400 && response is OpenApiResponse { Content: null or { Count: 0 } } bare)
            {
                bare.Content = ProblemContent(problem, Example(code, bare.Description));
            }
        }
    }

    private static void Add(OpenApiOperation operation, string status, string description, IOpenApiSchema schema, JsonObject example)
    {
        if (operation.Responses!.TryGetValue(status, out var existing))
        {
            if (existing is OpenApiResponse { Content: null or { Count: 0 } } bare)
            {
                bare.Content = ProblemContent(schema, example);
                bare.Description = string.IsNullOrWhiteSpace(bare.Description) ? description : bare.Description;
            }

            return;
        }

        operation.Responses[status] = new OpenApiResponse { Description = description, Content = ProblemContent(schema, example) };
    }

    private static Dictionary<string, OpenApiMediaType> ProblemContent(IOpenApiSchema schema, JsonObject example) => new()
    {
        [OpenApiDefaults.ProblemJson] = new OpenApiMediaType { Schema = schema, Example = example },
    };

    private static JsonObject Example(int status, string? detail) => new()
    {
        ["type"] = $"https://tools.ietf.org/html/rfc9110#section-{Section(status)}",
        ["title"] = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
        ["status"] = status,
        ["detail"] = string.IsNullOrWhiteSpace(detail) ? Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) : detail,
    };

    // RFC 9110's sections for client (15.5.x) and server (15.6.x) errors, as the framework links them.
    private static string Section(int status) => status switch
    {
        >= 400 and <= 417 => $"15.5.{status - 399}",
        422 => "15.5.21",
        >= 500 and <= 505 => $"15.6.{status - 499}",
        _ => "15",
    };

    /// <summary>The schema of <paramref name="type"/> as a component reference, registering it when no endpoint made the framework do so.</summary>
    private static async Task<IOpenApiSchema> SchemaAsync(OpenApiOperationTransformerContext context, Type type, string id, CancellationToken cancellationToken)
    {
        var document = context.Document!;
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(id))
        {
            document.Components.Schemas[id] = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
        }

        return new OpenApiSchemaReference(id, document);
    }
}
