using System.Diagnostics;
using System.Net;

namespace Gateway.Tests;

/// <summary>Every answer names its trace, whoever gave it; the services get the same trace and correlation id.</summary>
public sealed class CorrelationTests(SharedTestbed shared) : IClassFixture<SharedTestbed>
{
    private readonly GatewayTestbed _bed = shared.Bed;

    private static string Header(HttpResponseMessage response, string name) => Assert.Single(response.Headers.GetValues(name));

    [Fact]
    public async Task A_proxied_answer_carries_the_trace_the_service_saw()
    {
        using var response = await _bed.GetAsync("/api/basket", _bed.Token("trace-user"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var traceId = Header(response, "X-Trace-Id");
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.Equal(traceId, Header(response, "X-Correlation-Id"));
        var received = Assert.Single(_bed["basket"].Requests, request => request.TraceParent?.Contains(traceId) == true);
        Assert.Equal(traceId, received.CorrelationId);
    }

    [Fact]
    public async Task The_clients_trace_is_continued()
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();

        using var response = await _bed.SendAsync(HttpMethod.Get, "/api/catalog/items", configure: request =>
            request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01"));

        Assert.Equal(traceId, Header(response, "X-Trace-Id"));
    }

    [Fact]
    public async Task A_sane_client_correlation_id_is_echoed_and_forwarded()
    {
        using var response = await _bed.SendAsync(HttpMethod.Get, "/api/catalog/items/42", configure: request =>
            request.Headers.Add("X-Correlation-Id", "checkout-7f3a:retry.2"));

        Assert.Equal("checkout-7f3a:retry.2", Header(response, "X-Correlation-Id"));
        Assert.Contains(_bed.Backends.Values.SelectMany(backend => backend.Requests), request => request.CorrelationId == "checkout-7f3a:retry.2");
    }

    [Theory]
    [InlineData("two words")]
    [InlineData("<script>")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789")]
    public async Task An_insane_client_correlation_id_is_replaced_by_the_trace_id(string given)
    {
        using var response = await _bed.SendAsync(HttpMethod.Get, "/api/catalog/items", configure: request =>
            request.Headers.TryAddWithoutValidation("X-Correlation-Id", given));

        Assert.Equal(Header(response, "X-Trace-Id"), Header(response, "X-Correlation-Id"));
    }

    [Theory]
    [InlineData("/api/basket", HttpStatusCode.Unauthorized)]
    [InlineData("/api/inventory/1", HttpStatusCode.Unauthorized)]
    [InlineData("/api/nowhere", HttpStatusCode.NotFound)]
    [InlineData("/health/ready", HttpStatusCode.OK)]
    public async Task Answers_the_gateway_gives_itself_carry_the_trace_too(string path, HttpStatusCode status)
    {
        using var response = await _bed.GetAsync(path);

        Assert.Equal(status, response.StatusCode);
        Assert.Matches("^[0-9a-f]{32}$", Header(response, "X-Trace-Id"));
        Assert.Equal(Header(response, "X-Trace-Id"), Header(response, "X-Correlation-Id"));
    }
}
