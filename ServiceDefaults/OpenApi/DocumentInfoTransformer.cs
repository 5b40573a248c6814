using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Configuration;
using Microsoft.OpenApi;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The document-level parts the framework leaves empty: title and description, the license (from
/// <c>OpenApi:License</c>), the bearer security scheme (where an operation uses it), relative servers, a description for every tag, and paths without a trailing slash.
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

        // Relative: the document is read from the service itself (the framework would write the address the
        // request came in on, which differs per replica and port); clients use the gateway's document.
        document.Servers = [new OpenApiServer { Url = "/", Description = $"This {service} service. Clients call the gateway instead." }];

        // Declared where an operation uses it: an unused scheme (a service without secured endpoints) is noise.
        if (document.Paths.Values.SelectMany(p => (IEnumerable<OpenApiOperation>?)p.Operations?.Values ?? []).Any(o => o.Security is { Count: > 0 }))
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[OpenApiDefaults.BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "An access token from POST /api/identity/login or /api/identity/refresh, sent as `Authorization: Bearer <token>`.",
            };
        }

        // A group's "/" endpoint ("/api/orders" + "/") is described as "/api/orders/", which clients do not
        // call and linters reject; routing treats both alike, so the document names it without the slash.
        foreach (var (path, item) in document.Paths.Where(p => p.Key.Length > 1 && p.Key.EndsWith('/')).ToList())
        {
            document.Paths.Remove(path);
            document.Paths[path.TrimEnd('/')] = item;
        }

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
