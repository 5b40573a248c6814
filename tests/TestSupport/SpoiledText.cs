using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace TestSupport;

/// <summary>
/// Request bodies with one text field spoiled in a way the stores cannot hold, for tests that every
/// write route answers 400 naming that field instead of failing at the database.
/// </summary>
public static class SpoiledText
{
    public enum Kind
    {
        /// <summary>U+0000, which PostgreSQL refuses in text and jsonb.</summary>
        Nul,

        /// <summary>A high surrogate without its low half: no UTF-8 form exists.</summary>
        LoneSurrogate,

        /// <summary>One character more than the field's column holds.</summary>
        TooLong,
    }

    public static readonly Kind[] Kinds = [Kind.Nul, Kind.LoneSurrogate, Kind.TooLong];

    /// <summary>
    /// The value as a JSON literal. NUL and the surrogate are written as \u escapes, exactly as a client
    /// would send them: a serializer would refuse to write the lone surrogate at all.
    /// </summary>
    public static string Json(Kind kind, int maxLength) => kind switch
    {
        Kind.Nul => "\"a\\u0000b\"",
        Kind.LoneSurrogate => "\"a\\ud800b\"",
        Kind.TooLong => JsonSerializer.Serialize(new string('x', maxLength + 1)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// Fills each <c>@field@</c> of <paramref name="template"/>: <paramref name="field"/> with
    /// <paramref name="literal"/>, every other field with its value from <paramref name="valid"/>.
    /// </summary>
    public static StringContent Body(string template, IReadOnlyDictionary<string, string> valid, string field, string literal)
    {
        if (!template.Contains($"@{field}@", StringComparison.Ordinal))
        {
            throw new ArgumentException($"The template has no @{field}@.", nameof(field));
        }

        var json = template.Replace($"@{field}@", literal, StringComparison.Ordinal);
        foreach (var (name, value) in valid)
        {
            json = json.Replace($"@{name}@", JsonSerializer.Serialize(value), StringComparison.Ordinal);
        }

        return new StringContent(json, Encoding.UTF8, "application/json");
    }

    /// <summary>What an answer says: its status, media type and the fields its <c>errors</c> name.</summary>
    public static async Task<(HttpStatusCode Status, string? MediaType, string[] Fields)> ReadProblemAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        string[] fields = [];
        if (response.Content.Headers.ContentType is MediaTypeHeaderValue { MediaType: "application/problem+json" })
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                fields = [.. errors.EnumerateObject().Select(e => e.Name)];
            }
        }

        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, fields);
    }
}
