using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace UnitTests.ServiceDefaults;

/// <summary>The delegating handler's token cache, against an in-test double of Identity's token endpoint.</summary>
public class ServiceTokensTests
{
    [Fact]
    public async Task The_handler_reuses_a_cached_token_per_audience_and_renews_it_once_it_is_due()
    {
        var clock = new ManualClock();
        var identity = new TokenEndpointDouble();
        using var services = Services(identity, clock);
        var http = services.GetRequiredService<IHttpClientFactory>();

        var first = await SendAsync(http, "payment-client");
        var again = await SendAsync(http, "payment-client");
        var inventory = await SendAsync(http, "inventory-client");
        Assert.Equal(2, identity.Requests.Count);
        Assert.Equal(first, again);
        Assert.NotEqual(first, inventory);
        Assert.Equal(["payment", "inventory"], identity.Requests.Select(r => r["audience"]));
        Assert.All(identity.Requests, r => Assert.Equal(("client_credentials", "orderworkflow", "secret"), (r["grant_type"], r["client_id"], r["client_secret"])));

        // 300 s tokens are renewed after 80 % of their lifetime: still cached at 239 s, renewed at 240 s.
        clock.Advance(TimeSpan.FromSeconds(239));
        Assert.Equal(first, await SendAsync(http, "payment-client"));
        clock.Advance(TimeSpan.FromSeconds(1));
        var renewed = await SendAsync(http, "payment-client");

        Assert.Equal(3, identity.Requests.Count);
        Assert.NotEqual(first, renewed);
    }

    [Fact]
    public async Task A_refused_client_fails_the_call_instead_of_calling_anonymously()
    {
        var identity = new TokenEndpointDouble { Refuse = true };
        using var services = Services(identity, new ManualClock());

        await Assert.ThrowsAsync<InvalidOperationException>(() => SendAsync(services.GetRequiredService<IHttpClientFactory>(), "payment-client"));
    }

    private static ServiceProvider Services(TokenEndpointDouble identity, TimeProvider clock)
    {
        var services = new ServiceCollection();
        services.AddSingleton(clock);
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.Configure<ServiceIdentityOptions>(options =>
        {
            options.ClientId = "orderworkflow";
            options.ClientSecret = "secret";
            options.TokenEndpoint = "http://identity.test/connect/token";
        });
        services.AddHttpClient("payment-client").AddServiceToken("payment").ConfigurePrimaryHttpMessageHandler(() => new EchoAuthorization());
        services.AddHttpClient("inventory-client").AddServiceToken("inventory").ConfigurePrimaryHttpMessageHandler(() => new EchoAuthorization());
        services.AddHttpClient(ServiceTokens.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => identity);
        return services.BuildServiceProvider();
    }

    /// <summary>Sends a request with the named client; returns the bearer token the target received.</summary>
    private static async Task<string> SendAsync(IHttpClientFactory http, string client) =>
        await http.CreateClient(client).GetStringAsync("http://target.test/anything");

    private sealed class EchoAuthorization : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(request.Headers.Authorization?.Parameter ?? "") });
    }

    private sealed class TokenEndpointDouble : HttpMessageHandler
    {
        public List<Dictionary<string, string>> Requests { get; } = [];

        public bool Refuse { get; init; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var form = (await request.Content!.ReadAsStringAsync(cancellationToken)).Split('&')
                .Select(pair => pair.Split('='))
                .ToDictionary(pair => pair[0], pair => Uri.UnescapeDataString(pair[1]));
            Requests.Add(form);
            return Refuse
                ? new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = new StringContent("{\"error\":\"invalid_client\"}") }
                : new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = new StringContent(
                        $"{{\"access_token\":\"token-{Requests.Count}-{form["audience"]}\",\"token_type\":\"Bearer\",\"expires_in\":300}}",
                        Encoding.UTF8, "application/json"),
                };
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
