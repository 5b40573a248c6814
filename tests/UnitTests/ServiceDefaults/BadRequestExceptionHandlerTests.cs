using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace UnitTests.ServiceDefaults;

public class BadRequestExceptionHandlerTests
{
    [Fact]
    public void A_query_value_of_the_wrong_type_names_the_parameter_and_the_value()
    {
        var (field, message) = BadRequestExceptionHandler.Describe(
            new BadHttpRequestException("""Failed to bind parameter "int pageSize" from "abc"."""));

        Assert.Equal("pageSize", field);
        Assert.Contains("'abc'", message);
    }

    [Fact]
    public void A_missing_required_parameter_is_named()
    {
        var (field, message) = BadRequestExceptionHandler.Describe(
            new BadHttpRequestException("""Required parameter "string name" was not provided from query string."""));

        Assert.Equal("name", field);
        Assert.Contains("required", message);
    }

    [Fact]
    public void A_json_value_of_the_wrong_type_names_its_path()
    {
        var json = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Body>("""{"price":"x"}""", JsonSerializerOptions.Web));
        var (field, _) = BadRequestExceptionHandler.Describe(
            new BadHttpRequestException("""Failed to read parameter "Body body" from the request body as JSON.""", json));

        Assert.Equal("price", field);
    }

    [Fact]
    public void Malformed_json_is_reported_against_the_body()
    {
        var json = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Body>("{", JsonSerializerOptions.Web));
        var (field, _) = BadRequestExceptionHandler.Describe(
            new BadHttpRequestException("""Failed to read parameter "Body body" from the request body as JSON.""", json));

        Assert.Equal("body", field);
    }

    private sealed record Body(decimal Price);
}
