using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The OpenAPI document every service serves at <c>/openapi/v1.json</c>: what the framework describes,
/// plus what it leaves out and clients need: the bearer scheme and which operations need it, the
/// ProblemDetails answers, tag descriptions, summaries and a license, so that the document lints clean.
/// </summary>
public static class OpenApiDefaults
{
    /// <summary>The one document each service publishes.</summary>
    public const string DocumentName = "v1";

    /// <summary>The name of the JWT bearer scheme in <c>components.securitySchemes</c>.</summary>
    public const string BearerScheme = "Bearer";

    /// <summary>The media type of RFC 9457 error bodies.</summary>
    public const string ProblemJson = "application/problem+json";

    public static TBuilder AddDefaultOpenApi<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOpenApi(DocumentName, options =>
        {
            options.AddOperationTransformer<OperationSummaryTransformer>();
            options.AddOperationTransformer<SecurityRequirementTransformer>();
            options.AddOperationTransformer<ProblemResponsesTransformer>();
            options.AddDocumentTransformer<DocumentInfoTransformer>();
            options.AddSchemaTransformer<StringSchemaTransformer>();
        });
        return builder;
    }
}
