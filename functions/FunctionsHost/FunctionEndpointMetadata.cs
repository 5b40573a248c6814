using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace FunctionsHost;

/// <summary>
/// Lets the plain path's endpoints describe themselves in the app's OpenAPI document. A plain endpoint is a
/// <see cref="RequestDelegate"/>, which ApiExplorer skips for lack of a handler method to read; handing it the
/// <c>[Function]</c> method (route values, <c>CancellationToken</c> and the trigger's <c>HttpRequest</c> are
/// understood) and that method's attributes (<c>[ProducesResponseType]</c>, <c>[Consumes]</c>,
/// <c>[Authorize]</c>, <c>[EndpointSummary]</c>, <c>[Tags]</c>) puts it in the document as a minimal API
/// endpoint would be. The Functions host ignores all of this.
/// </summary>
internal static class FunctionEndpointMetadata
{
    public static void Describe(IEndpointConventionBuilder endpoint, MethodInfo method, string functionName, string appName)
    {
        var attributes = method.DeclaringType!.GetCustomAttributes().Concat(method.GetCustomAttributes()).ToList();
        endpoint.WithMetadata([method, .. attributes]);
        endpoint.WithName(functionName);
        if (!attributes.OfType<ITagsMetadata>().Any())
        {
            endpoint.WithTags(appName);
        }
    }
}
