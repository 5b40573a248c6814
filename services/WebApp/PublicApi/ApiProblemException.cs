using System.Net;
using System.Text.Json;

namespace WebApp.PublicApi;

/// <summary>
/// The public API refused a request (a 4xx with its ProblemDetails) or could not serve it (a 5xx, a timeout):
/// pages show <see cref="Exception.Message"/> and, beside each form field, its <see cref="FieldErrors"/>.
/// </summary>
public sealed class ApiProblemException(HttpStatusCode status, string message, IReadOnlyDictionary<string, string[]> fieldErrors)
    : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    /// <summary>Messages per field, keyed as the API names the field (camelCase), case-insensitively.</summary>
    public IReadOnlyDictionary<string, string[]> FieldErrors { get; } = fieldErrors;

    /// <summary>The API's own words when it refused, plain words when it could not answer.</summary>
    public static async Task<ApiProblemException> FromAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        (int)response.StatusCode >= 500
            ? Unavailable(response.StatusCode)
            : From(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken), response.ReasonPhrase);

    /// <summary>A refusal (4xx) from its ProblemDetails body, already read.</summary>
    public static ApiProblemException From(HttpStatusCode status, string body, string? reasonPhrase)
    {
        HttpValidationProblemDetails? problem = null;
        try
        {
            problem = JsonSerializer.Deserialize<HttpValidationProblemDetails>(body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            // Not a ProblemDetails (an HTML error from a proxy, say): the status alone is all there is.
        }

        var errors = new Dictionary<string, string[]>(problem?.Errors ?? new Dictionary<string, string[]>(), StringComparer.OrdinalIgnoreCase);
        return new ApiProblemException(status, problem?.Detail ?? problem?.Title ?? reasonPhrase ?? "The request was refused.", errors);
    }

    /// <summary>The shop could not reach the platform, or the platform failed: nothing the shopper did wrong.</summary>
    public static ApiProblemException Unavailable(HttpStatusCode status = HttpStatusCode.ServiceUnavailable) =>
        new(status, "The shop cannot answer right now. Please try again in a moment.", new Dictionary<string, string[]>());
}
