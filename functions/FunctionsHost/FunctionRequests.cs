using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Hosting;

namespace FunctionsHost;

/// <summary>Reads JSON bodies of HTTP triggers and shapes error answers: bad input becomes a 400 ProblemDetails naming the field, never a 500.</summary>
public static class FunctionRequests
{
    // As the services read bodies: text the database cannot hold is refused with its field's path.
    private static readonly JsonSerializerOptions BodyOptions = new(JsonSerializerOptions.Web) { Converters = { new StorableTextJsonConverter() } };

    public static async Task<(T? Value, IActionResult? Problem)> ReadAsync<T>(HttpRequest request) where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, BodyOptions, request.HttpContext.RequestAborted);
            return value is null ? (null, Invalid("body", "A JSON body is required.")) : (value, null);
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "body";
            return (null, Invalid(field, ex is UnstorableTextException ? ex.Message : "The value is missing or not valid for its type."));
        }
    }

    /// <summary>A ProblemDetails answer with <paramref name="status"/> and <paramref name="detail"/>.</summary>
    public static ObjectResult Problem(int status, string detail) =>
        new(new ProblemDetails { Status = status, Detail = detail }) { StatusCode = status, ContentTypes = { "application/problem+json" } };

    public static IActionResult Invalid(string field, string message) =>
        new BadRequestObjectResult(new ValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
        })
        { ContentTypes = { "application/problem+json" } };
}
