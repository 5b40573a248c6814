using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FunctionsHost.Tests.SampleApp;

namespace FunctionsHost.Tests;

public sealed class PlainHttpTests(PlainAppFixture fixture) : IClassFixture<PlainAppFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Get_binds_an_int_route_value()
    {
        var item = await Client.GetFromJsonAsync<Item>("/api/items/42");

        Assert.Equal(new Item(42, "item 42"), item);
    }

    [Fact]
    public async Task Get_binds_guid_and_long_route_values()
    {
        var orderId = Guid.NewGuid();

        using var line = await Client.GetFromJsonAsync<JsonDocument>($"/api/orders/{orderId}/lines/9000000000");

        Assert.Equal(orderId, line!.RootElement.GetProperty("orderId").GetGuid());
        Assert.Equal(9_000_000_000L, line.RootElement.GetProperty("line").GetInt64());
    }

    [Theory]
    [InlineData("/api/items/abc", "id")]
    [InlineData("/api/items/99999999999", "id")]
    [InlineData("/api/orders/not-a-guid/lines/1", "orderId")]
    [InlineData("/api/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301/lines/x", "line")]
    public async Task A_bad_route_value_is_a_400_problem_naming_the_parameter(string url, string parameter)
    {
        using var response = await Client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(parameter, out _), problem.RootElement.ToString());
    }

    [Fact]
    public async Task Post_reads_the_json_body_and_returns_an_action_result()
    {
        using var response = await Client.PostAsJsonAsync("/api/items", new Item(7, "seven"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/items/7", response.Headers.Location?.OriginalString);
        Assert.Equal(new Item(7, "seven"), await response.Content.ReadFromJsonAsync<Item>());
    }

    [Fact]
    public async Task A_function_without_a_route_is_served_at_its_name()
    {
        Assert.Equal("pong", await Client.GetStringAsync("/api/Ping"));

        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/Ping"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Theory]
    [InlineData("DELETE", "/api/items/1")]
    [InlineData("POST", "/api/items/1")]
    [InlineData("GET", "/api/items")]
    [InlineData("POST", "/api/Ping")]
    public async Task A_method_the_function_does_not_declare_is_a_405(string method, string url)
    {
        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Liveness_answers()
    {
        using var response = await Client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_timer_function_fires_on_its_schedule()
    {
        var start = fixture.Counter.Value;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        // Two runs, so it fires repeatedly, not only once. Polling with a deadline; no fixed sleep decides the outcome.
        while (fixture.Counter.Value < start + 2)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The every-second timer ran {fixture.Counter.Value - start} times in 15 s.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_failing_timer_run_is_logged_and_the_timer_keeps_firing()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (fixture.Counter.Failures < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The failing timer ran {fixture.Counter.Failures} times in 15 s.");
            await Task.Delay(50);
        }

        using var response = await Client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
