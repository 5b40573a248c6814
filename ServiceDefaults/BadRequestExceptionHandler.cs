using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Turns request-binding failures (a query value that is not a number, malformed JSON, a JSON value of
/// the wrong type, a missing body) into a 400 validation ProblemDetails whose <c>errors</c> name the
/// offending field, instead of the framework's bare 400.
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var (field, message) = Describe(badRequest);
        context.Response.StatusCode = badRequest.StatusCode;
        var problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = badRequest.StatusCode,
            Title = badRequest.StatusCode == StatusCodes.Status400BadRequest
                ? "One or more validation errors occurred."
                : ReasonPhrases(badRequest.StatusCode),
        };
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    /// <summary>Finds the field a binding failure is about: the JSON path of a body error, else the parameter name.</summary>
    internal static (string Field, string Message) Describe(BadHttpRequestException exception)
    {
        if (exception.InnerException is JsonException json)
        {
            var path = json.Path is { Length: > 0 } p ? p.TrimStart('$').TrimStart('.') : "";
            return (path.Length == 0 ? "body" : path,
                json is UnstorableTextException ? json.Message
                : path.Length == 0 ? "The request body is not valid JSON." : $"The value at '{path}' is not valid for its type.");
        }

        var match = ParameterPattern().Match(exception.Message);
        if (!match.Success)
        {
            return ("request", exception.Message);
        }

        var name = match.Groups["name"].Value;
        var message = exception.Message.Contains("was not provided", StringComparison.Ordinal)
            ? $"'{name}' is required."
            : match.Groups["value"].Success
                ? $"'{match.Groups["value"].Value}' is not a valid value for '{name}'."
                : $"The value for '{name}' could not be read.";
        return (name, message);
    }

    private static string ReasonPhrases(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

    // Matches the framework's messages: Failed to bind parameter "int pageSize" from "abc".
    // Required parameter "string name" was not provided ... / ... parameter "Foo body" from the request body ...
    [GeneratedRegex("""parameter "(?:[^"]*\s)?(?<name>[^"\s]+)"(?: from "(?<value>[^"]*)")?""")]
    private static partial Regex ParameterPattern();
}
