using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Configuration;
using Microsoft.OpenApi;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The document-level parts the framework leaves empty: title and description, the license (from
/// <c>OpenApi:License</c>), the bearer security scheme, and a description for every tag.
/// </summary>
internal sealed class DocumentInfoTransformer(IHostEnvironment environment, IConfiguration configuration) : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var service = environment.ApplicationName;
        document.Info ??= new OpenApiInfo();
        document.Info.Title = $"{service} API";
        document.Info.Version = OpenApiDefaults.DocumentName;
        document.Info.Description ??= $"The HTTP API of the {service} service of Ecommerce.Aspire. Errors are RFC 9457 ProblemDetails "
            + $"({OpenApiDefaults.ProblemJson}). Clients reach the public part of it through the gateway, whose own document describes it as they call it.";
        var license = configuration.GetSection("OpenApi:License");
        document.Info.License = new OpenApiLicense
        {
            Name = license["Name"] ?? OpenApiLicenseDefaults.Name,
            Identifier = license["Identifier"] ?? OpenApiLicenseDefaults.Identifier,
        };

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[OpenApiDefaults.BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An access token from POST /api/identity/login or /api/identity/refresh, sent as `Authorization: Bearer <token>`.",
        };

        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            tag.Description ??= $"{tag.Name} operations of the {service} service.";
        }

        return Task.CompletedTask;
    }
}

/// <summary>The license the documents state unless <c>OpenApi:License</c> says otherwise.</summary>
public static class OpenApiLicenseDefaults
{
    public const string Name = "MIT";
    public const string Identifier = "MIT";
}
