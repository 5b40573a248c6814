using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.OpenApi;

public static class PublicApiEndpoints
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static IHostApplicationBuilder AddPublicApiDocument(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpClient(PublicApiDocument.HttpClientName);
        builder.Services.AddSingleton<PublicApiDocument>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>
    /// Serves the composed public document at <c>/openapi/v1.json</c>, in place of the gateway's own
    /// (empty: YARP routes are not endpoints ApiExplorer sees). A literal route, so it wins over
    /// ServiceDefaults' <c>/openapi/{documentName}.json</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapPublicApiDocument(this IEndpointRouteBuilder app)
    {
        app.MapGet("/openapi/v1.json", async (PublicApiDocument document, CancellationToken cancellationToken) =>
                Results.Text((await document.GetAsync(cancellationToken)).ToJsonString(Indented), "application/json; charset=utf-8"))
            .ExcludeFromDescription();
        return app;
    }
}
