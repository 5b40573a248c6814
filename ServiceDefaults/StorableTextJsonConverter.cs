using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Reads every JSON string (property values, array items, dictionary keys) and refuses one that
/// <see cref="StorableText"/> rejects. Registered once for the HTTP JSON options, so that no route can
/// forget the check; the serializer adds the field's path to the exception and
/// <see cref="BadRequestExceptionHandler"/> answers 400 naming that field.
/// </summary>
public sealed class StorableTextJsonConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(reader.GetString());

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(reader.GetString())!;

    // Without it, a dictionary whose values are not strings could not be written with these options (System.Text.Json
    // asks a custom converter of the key type for the names): the developer exception page's own ProblemDetails failed
    // so. The built-in string converter applies DictionaryKeyPolicy to keys; so does this.
    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WritePropertyName(options.DictionaryKeyPolicy?.ConvertName(value) ?? value);

    private static string? Checked(string? value) =>
        value is null || StorableText.IsStorable(value) ? value : throw new UnstorableTextException();
}

/// <summary>A JSON string that <see cref="StorableText"/> rejects; its <see cref="JsonException.Path"/> names the field.</summary>
public sealed class UnstorableTextException() : JsonException(StorableText.Rule);
