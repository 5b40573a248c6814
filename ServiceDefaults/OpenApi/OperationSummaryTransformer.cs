using System.Text;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Gives an operation without a summary one made from its operation id ("GetStock" → "Get stock"), so
/// that every operation reads as a sentence in tools and generated clients (function apps name their
/// endpoints but cannot attach summaries).
/// </summary>
internal sealed class OperationSummaryTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(operation.Summary) && operation.OperationId is { Length: > 0 } id)
        {
            operation.Summary = Words(id);
        }

        return Task.CompletedTask;
    }

    internal static string Words(string identifier)
    {
        var text = new StringBuilder(identifier.Length + 8);
        for (var i = 0; i < identifier.Length; i++)
        {
            var c = identifier[i];
            if (i > 0 && char.IsUpper(c) && !char.IsUpper(identifier[i - 1]))
            {
                // A word in lower case, an acronym (HTTP) as it is.
                var word = i + 1 < identifier.Length && char.IsLower(identifier[i + 1]);
                text.Append(' ').Append(word ? char.ToLowerInvariant(c) : c);
            }
            else
            {
                text.Append(i == 0 ? char.ToUpperInvariant(c) : c);
            }
        }

        return text.ToString();
    }
}
