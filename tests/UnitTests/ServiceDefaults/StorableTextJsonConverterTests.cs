using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace UnitTests.ServiceDefaults;

public class StorableTextJsonConverterTests
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerOptions.Web)
    {
        DictionaryKeyPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new StorableTextJsonConverter() },
    };

    private sealed record Address(string? Street, string? City);

    private sealed record Body(string? Name, List<Address>? Addresses, Dictionary<string, string>? Tags);

    /// <summary>The field a service's 400 would name for the body that threw <paramref name="exception"/>.</summary>
    private static string FieldOf(JsonException exception) =>
        BadRequestExceptionHandler.Describe(new BadHttpRequestException("""Failed to read parameter "Body body" from the request body as JSON.""", exception)).Field;

    [Theory]
    [InlineData("""{"name":"a\u0000b"}""", "name")]
    [InlineData("""{"name":"x","addresses":[{"street":"ok"},{"street":"1 Main St","city":"\u0000"}]}""", "addresses[1].city")]
    [InlineData("""{"name":"x","tags":{"colour":"red\u0000"}}""", "tags.colour")]
    public void A_nul_anywhere_is_refused_and_its_field_named(string json, string field)
    {
        var exception = Assert.Throws<UnstorableTextException>(() => JsonSerializer.Deserialize<Body>(json, Options));

        Assert.Equal(field, FieldOf(exception));
        Assert.Equal(StorableText.Rule, BadRequestExceptionHandler.Describe(
            new BadHttpRequestException("body", exception)).Message);
    }

    [Fact]
    public void A_dictionary_is_written_with_its_keys_named_by_the_key_policy_also_with_generated_metadata()
    {
        // Metadata from a JsonSerializerContext, as the developer exception page writes its ProblemDetails with: there
        // System.Text.Json asks the string converter for the keys and has no built-in one to fall back on, so the page
        // could not be written and a service in Development answered an error with an empty 500.
        var options = new JsonSerializerOptions(Options) { TypeInfoResolver = GeneratedMetadata.Default };
        var headers = new Dictionary<string, int> { ["Retry-After"] = 5 };

        Assert.Equal("""{"retry-After":5}""", JsonSerializer.Serialize(headers, options));
    }

    [Fact]
    public void A_nul_in_a_dictionary_key_is_refused()
    {
        Assert.Throws<UnstorableTextException>(() =>
            JsonSerializer.Deserialize<Body>("""{"tags":{"a\u0000":"red"}}""", Options));
    }

    [Theory]
    [InlineData("""{"name":"\ud800"}""")]          // a high surrogate alone
    [InlineData("""{"name":"a\udc00b"}""")]        // a low surrogate alone
    [InlineData("""{"name":"\udc00\ud800"}""")]    // both, in the wrong order
    public void An_escaped_lone_surrogate_is_refused_with_its_field(string json)
    {
        // System.Text.Json itself refuses these while unescaping, before the converter sees them (hence
        // not our exception); the test pins that the answer still names the field.
        var exception = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Body>(json, Options));

        Assert.Equal("name", FieldOf(exception));
        Assert.IsNotType<UnstorableTextException>(exception);
    }

    [Fact]
    public void Raw_invalid_utf8_is_refused_with_its_field()
    {
        // 0xED 0xA0 0x80 would be U+D800 in UTF-8, which UTF-8 forbids; 0xFF is never valid.
        byte[] json = [.. "{\"name\":\"a"u8, 0xED, 0xA0, 0x80, 0xFF, .. "\"}"u8];

        var exception = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Body>(json, Options));

        Assert.Equal("name", FieldOf(exception));
    }

    [Fact]
    public void Any_other_text_passes_unchanged()
    {
        const string text = "Zoë 😀 \u0001\t Straße 中文";
        var json = JsonSerializer.Serialize(new Body(text, [new Address(text, null)], new() { ["k"] = text }), Options);

        var body = JsonSerializer.Deserialize<Body>(json, Options)!;

        Assert.Equal(text, body.Name);
        Assert.Equal(text, body.Addresses![0].Street);
        Assert.Null(body.Addresses[0].City);
        Assert.Equal(text, body.Tags!["k"]);
    }

    [Fact]
    public void Written_dictionary_keys_still_follow_the_key_policy()
    {
        // ValidationProblemDetails.errors is a dictionary: its keys must stay camelCase with the converter registered.
        var json = JsonSerializer.Serialize(new Dictionary<string, string> { ["ShippingAddress"] = "x" }, Options);

        Assert.Equal("""{"shippingAddress":"x"}""", json);
    }

    // Escaped (\uXXXX) because attribute arguments are stored as UTF-8, which would turn a lone surrogate into U+FFFD.
    [Theory]
    [InlineData("", true)]
    [InlineData("plain", true)]
    [InlineData(@"pair \uD83D\uDE00 end", true)]
    [InlineData(@"nul \u0000", false)]
    [InlineData(@"\uD83D", false)]
    [InlineData(@"end \uD83D", false)]
    [InlineData(@"\uDE00 start", false)]
    [InlineData(@"\uD83D\uDE00\uDE00", false)]
    [InlineData(@"\uDE00\uD83D", false)]
    public void Storable_text_has_no_nul_and_no_unpaired_surrogate(string escaped, bool storable)
    {
        var text = Regex.Unescape(escaped);

        Assert.Equal(storable, StorableText.IsStorable(text));
        // The same verdict as a strict UTF-8 encoding, except for NUL, which UTF-8 can hold.
        if (!text.Contains('\0'))
        {
            Assert.Equal(storable, IsValidUtf16(text));
        }
    }

    private static bool IsValidUtf16(string text)
    {
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(text);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, int>))]
internal sealed partial class GeneratedMetadata : System.Text.Json.Serialization.JsonSerializerContext;
