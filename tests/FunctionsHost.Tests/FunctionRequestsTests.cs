using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace FunctionsHost.Tests;

/// <summary>Function apps read bodies through <see cref="FunctionRequests"/>: text the database cannot hold is a 400 naming the field.</summary>
public sealed class FunctionRequestsTests
{
    private sealed record Line(string? Sku);

    private sealed record Body(string? PaymentToken, Line[]? Lines);

    private static async Task<(Body? Value, IActionResult? Problem)> ReadAsync(byte[] json)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(json);
        return await FunctionRequests.ReadAsync<Body>(context.Request);
    }

    [Theory]
    [InlineData("""{"paymentToken":"tok\u0000"}""", "paymentToken")]
    [InlineData("""{"paymentToken":"\ud800"}""", "paymentToken")]
    [InlineData("""{"paymentToken":"ok","lines":[{"sku":"a"},{"sku":"b\u0000"}]}""", "lines[1].sku")]
    public async Task Unstorable_text_is_a_400_naming_the_field(string json, string field)
    {
        var (value, problem) = await ReadAsync(Encoding.UTF8.GetBytes(json));

        Assert.Null(value);
        var result = Assert.IsType<BadRequestObjectResult>(problem);
        var details = Assert.IsType<ValidationProblemDetails>(result.Value);
        Assert.Equal([field], details.Errors.Keys);
    }

    [Fact]
    public async Task Other_text_is_read_as_sent()
    {
        var (value, problem) = await ReadAsync(Encoding.UTF8.GetBytes("""{"paymentToken":"tok_ok 😀 Zoë","lines":[{"sku":"a"}]}"""));

        Assert.Null(problem);
        Assert.Equal("tok_ok 😀 Zoë", value!.PaymentToken);
        Assert.Equal("a", value.Lines![0].Sku);
    }
}
