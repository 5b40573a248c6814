using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TestSupport;

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

        // 300 s tokens are renewed after 80 % of their lifetime: still cached at 239 s; at 240 s the call still carries
        // the token while a renewal runs, and the calls after it carry the renewed one.
        clock.Advance(TimeSpan.FromSeconds(239));
        Assert.Equal(first, await SendAsync(http, "payment-client"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(first, await SendAsync(http, "payment-client"));
        await Eventually.TrueAsync(async () => await SendAsync(http, "payment-client") != first, "the token to be renewed");

        Assert.Equal(3, identity.Requests.Count);
    }

    [Fact]
    public async Task While_Identity_does_not_answer_calls_go_on_with_the_current_token_until_shortly_before_it_expires()
    {
        var clock = new ManualClock();
        var identity = new TokenEndpointDouble();
        using var services = Services(identity, clock);
        var http = services.GetRequiredService<IHttpClientFactory>();
        var first = await SendAsync(http, "payment-client");

        identity.Answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously); // Identity stops answering
        clock.Advance(TimeSpan.FromSeconds(250));
        var duringRenewal = await SendAsync(http, "payment-client").WaitAsync(TimeSpan.FromSeconds(30));
        clock.Advance(TimeSpan.FromSeconds(19));
        var lastUsable = await SendAsync(http, "payment-client").WaitAsync(TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(() => identity.Requests.Count == 2, "the renewal to reach Identity");

        // 30 s before it expires the token is no longer sent: the call waits for the renewal.
        clock.Advance(TimeSpan.FromSeconds(2));
        var afterMargin = SendAsync(http, "payment-client");
        identity.Answer.SetResult();
        var renewed = await afterMargin.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((first, first), (duringRenewal, lastUsable));
        Assert.NotEqual(first, renewed);
        Assert.Equal(2, identity.Requests.Count);
    }

    [Fact]
    public async Task A_refused_client_fails_the_call_instead_of_calling_anonymously()
    {
        var identity = new TokenEndpointDouble { Refuse = true };
        using var services = Services(identity, new ManualClock());

        await Assert.ThrowsAsync<InvalidOperationException>(() => SendAsync(services.GetRequiredService<IHttpClientFactory>(), "payment-client"));
    }

    [Fact]
    public async Task While_Identity_is_frozen_a_call_without_a_token_fails_as_unavailable_once_and_is_not_tried_again()
    {
        // Each try of the call would have waited for Identity again: with the services' default pipeline the call took
        // minutes, far past the gateway's 10 s, instead of ending as a 503 (or a saga step to retry later).
        var identity = new TokenEndpointDouble { Answer = new TaskCompletionSource() };
        var target = new EchoAuthorization();
        using var services = Services(identity, TimeProvider.System, target, withDefaultRetries: true);
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("payment-client");
        client.Timeout = TimeSpan.FromSeconds(10); // the gateway's "standard" route deadline

        var error = await Assert.ThrowsAsync<DependencyUnavailableException>(() => client.GetStringAsync("http://target.test/anything"));

        Assert.Equal("identity", error.Dependency);
        Assert.Equal(0, target.Calls);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task Identity_failing_is_unavailable_not_a_refused_client(HttpStatusCode status)
    {
        // A refused client (InvalidOperationException) ends a saga step for good; Identity failing for a moment must not.
        var identity = new TokenEndpointDouble { Status = status };
        using var services = Services(identity, new ManualClock());

        var error = await Assert.ThrowsAsync<DependencyUnavailableException>(() => SendAsync(services.GetRequiredService<IHttpClientFactory>(), "payment-client"));

        Assert.Equal("identity", error.Dependency);
    }

    private static ServiceProvider Services(TokenEndpointDouble identity, TimeProvider clock, EchoAuthorization? target = null, bool withDefaultRetries = false)
    {
        var services = new ServiceCollection();
        if (withDefaultRetries)
        {
            services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler()); // as ServiceDefaults does
        }

        services.AddSingleton(clock);
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.Configure<ServiceIdentityOptions>(options =>
        {
            options.ClientId = "orderworkflow";
            options.ClientSecret = "secret";
            options.TokenEndpoint = "http://identity.test/connect/token";
        });
        services.AddHttpClient("payment-client").AddServiceToken("payment").ConfigurePrimaryHttpMessageHandler(() => target ?? new EchoAuthorization());
        services.AddHttpClient("inventory-client").AddServiceToken("inventory").ConfigurePrimaryHttpMessageHandler(() => new EchoAuthorization());
        var tokens = services.AddHttpClient(ServiceTokens.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => identity);
        if (!withDefaultRetries)
        {
            // The cache alone: the pipeline's timeouts run on real time, and would race the tests' own clock.
#pragma warning disable EXTEXP0001 // experimental, as in ServiceDefaults
            tokens.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        }

        return services.BuildServiceProvider();
    }

    /// <summary>Sends a request with the named client; returns the bearer token the target received.</summary>
    private static async Task<string> SendAsync(IHttpClientFactory http, string client) =>
        await http.CreateClient(client).GetStringAsync("http://target.test/anything");

    private sealed class EchoAuthorization : HttpMessageHandler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(request.Headers.Authorization?.Parameter ?? "") });
        }
    }

    private sealed class TokenEndpointDouble : HttpMessageHandler
    {
        public List<Dictionary<string, string>> Requests { get; } = [];

        public bool Refuse { get; init; }

        /// <summary>Answers every request with this status instead of a token (Identity failing).</summary>
        public HttpStatusCode? Status { get; init; }

        /// <summary>Requests are answered once this completes: a frozen Identity until the test lets it go.</summary>
        public TaskCompletionSource Answer { get; set; } = CompletedAnswer();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var form = (await request.Content!.ReadAsStringAsync(cancellationToken)).Split('&')
                .Select(pair => pair.Split('='))
                .ToDictionary(pair => pair[0], pair => Uri.UnescapeDataString(pair[1]));
            lock (Requests)
            {
                Requests.Add(form);
            }

            await Answer.Task.WaitAsync(cancellationToken);
            if (Status is { } status)
            {
                return new HttpResponseMessage(status);
            }

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

    private static TaskCompletionSource CompletedAnswer()
    {
        var answered = new TaskCompletionSource();
        answered.SetResult();
        return answered;
    }

    private sealed class ManualClock : TimeProvider
    {
        // Ticks, read by the background renewal while the test advances them.
        private long _now = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _now), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _now, by.Ticks);
    }
}
