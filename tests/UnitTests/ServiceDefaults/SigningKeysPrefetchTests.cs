using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using TestSupport;

namespace UnitTests.ServiceDefaults;

/// <summary>
/// A service whose keys come from Identity's metadata reads them at start (SigningKeysPrefetch), before any
/// signed-in request, against an in-test double of Identity's metadata and key set.
/// </summary>
public class SigningKeysPrefetchTests
{
    [Fact]
    public async Task A_service_reads_Identitys_keys_at_start_and_its_first_signed_in_request_uses_them()
    {
        var identity = new MetadataDouble();
        await using var app = await StartAsync(identity);

        await Eventually.TrueAsync(() => identity.KeyReads == 1, "the keys to be read with no request made");
        using var client = ClientOf(app);
        using var response = await client.SendAsync(SignedIn(identity.Settings));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The prefetch's probe and its read of the metadata, one read of the keys: the request used what it read.
        Assert.Equal((2, 1), (identity.MetadataReads, identity.KeyReads));
    }

    [Fact]
    public async Task While_Identity_does_not_answer_the_service_runs_and_tries_again_then_accepts_signed_in_requests()
    {
        var identity = new MetadataDouble { UnavailableFor = 2 };
        await using var app = await StartAsync(identity);

        await Eventually.TrueAsync(() => identity.KeyReads == 1, "the keys to be read once Identity answers");
        using var client = ClientOf(app);
        using var response = await client.SendAsync(SignedIn(identity.Settings));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Two refused probes, one answered, then the reader's one read: the handler's reader never met a failure
        // (which would have held it in its own back-off, refusing signed-in requests after Identity came up).
        Assert.Equal((4, 1), (identity.MetadataReads, identity.KeyReads));
    }

    [Fact]
    public async Task The_probe_at_start_is_tried_on_its_own_schedule_not_also_by_the_services_default_retries()
    {
        // Every service's HttpClients get the standard resilience handler (ServiceDefaults); on the probe, its
        // retries logged each refused try, with its stack trace, in every service while Identity was starting.
        var identity = new MetadataDouble { UnavailableFor = 2 };
        await using var app = await StartAsync(identity, withDefaultRetries: true);

        await Eventually.TrueAsync(() => identity.KeyReads == 1, "the keys to be read once Identity answers");

        Assert.Equal((4, 1), (identity.MetadataReads, identity.KeyReads));
        var logged = app.Services.GetFakeLogCollector().GetSnapshot();
        Assert.DoesNotContain(logged, entry => entry.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task While_Identity_is_frozen_a_service_without_its_keys_answers_signed_in_requests_503_before_the_gateway_gives_up()
    {
        // Identity stopped (SIGSTOP) before this service read its keys: with the services' default pipeline (30 s, retries)
        // the request outlived the gateway's route deadline, which answered 504 while the service went on waiting.
        var identity = new MetadataDouble { Frozen = true };
        await using var app = await StartAsync(identity, withDefaultRetries: true);
        using var client = ClientOf(app);
        client.Timeout = GatewayRouteDeadline;

        using var response = await client.SendAsync(SignedIn(identity.Settings));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 503 says when to try again");
        Assert.Equal(0, identity.KeyReads);

        // Once Identity answers again the service recovers on its own: no restart, the same token accepted.
        identity.Thaw();
        await AcceptedAgainAsync(client, identity);
    }

    [Fact]
    public async Task While_Identity_is_frozen_signed_in_requests_share_one_read_of_its_keys_and_a_failed_read_is_not_tried_again_at_once()
    {
        // The configuration manager lets its callers in one by one, each reading again after the one before failed: the
        // fourth of four requests waited for four reads, past the gateway's route deadline.
        var identity = new MetadataDouble { Frozen = true };
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await StartAsync(identity, withDefaultRetries: true, clock);
        using var client = ClientOf(app);
        client.Timeout = GatewayRouteDeadline;

        using (var alone = await client.SendAsync(SignedIn(identity.Settings)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, alone.StatusCode);
        }

        var oneRead = identity.ReaderRequests; // a read's tries, as the metadata client's pipeline makes them
        Assert.True(oneRead > 0, "the keys were not read at all");

        // Right after a failed read: answered without reading again.
        using (var held = await client.SendAsync(SignedIn(identity.Settings)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, held.StatusCode);
            Assert.True(held.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 503 says when to try again");
        }

        Assert.Equal(oneRead, identity.ReaderRequests);

        // Past the hold-off, four requests at once wait for one read together.
        clock.Advance(SigningKeysCheck.HoldOff);
        var burst = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.SendAsync(SignedIn(identity.Settings))));
        Assert.All(burst, response => Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode));
        Assert.Equal(2 * oneRead, identity.ReaderRequests);
        foreach (var response in burst)
        {
            response.Dispose();
        }

        identity.Thaw();
        clock.Advance(SigningKeysCheck.HoldOff);
        await AcceptedAgainAsync(client, identity);
    }

    [Fact]
    public async Task While_Identity_is_frozen_a_signed_in_shoppers_public_read_is_served_as_anonymous()
    {
        using var response = await SendSignedInWhileIdentityIsFrozenAsync("/public");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("anonymous", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task While_Identity_is_frozen_a_signed_in_request_without_an_endpoint_is_answered_503_not_as_anonymous()
    {
        // A function under the Functions host has no ASP.NET Core endpoint to say whether it needs the user: its own
        // middleware authorizes, so the caller must not pass as anonymous.
        using var response = await SendSignedInWhileIdentityIsFrozenAsync("/function");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>A signed-in request to <paramref name="path"/> of a service that has not read Identity's keys, Identity frozen.</summary>
    /// <returns>The answer, its body read (the service is stopped by then).</returns>
    private static async Task<HttpResponseMessage> SendSignedInWhileIdentityIsFrozenAsync(string path)
    {
        var identity = new MetadataDouble { Frozen = true };
        await using var app = await StartAsync(identity, withDefaultRetries: true);
        using var client = ClientOf(app);
        client.Timeout = GatewayRouteDeadline;
        using var request = SignedIn(identity.Settings);
        request.RequestUri = new Uri(path, UriKind.Relative);
        return await client.SendAsync(request);
    }

    /// <summary>Waits until a signed-in request is accepted again: the service recovers on its own once Identity answers.</summary>
    private static Task AcceptedAgainAsync(HttpClient client, MetadataDouble identity) => Eventually.TrueAsync(async () =>
    {
        using var again = await client.SendAsync(SignedIn(identity.Settings));
        return again.StatusCode == HttpStatusCode.OK;
    }, "signed-in requests to be accepted again after Identity thawed");

    /// <summary>The gateway's "standard" route timeout (services/Gateway/appsettings.json, Gateway:Timeouts): what a shopper's request waits at most.</summary>
    private static readonly TimeSpan GatewayRouteDeadline = TimeSpan.FromSeconds(10);

    private static async Task<WebApplication> StartAsync(MetadataDouble identity, bool withDefaultRetries = false, TimeProvider? authenticationClock = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jwt:MetadataAddress"] = MetadataDouble.MetadataAddress,
        });
        if (withDefaultRetries)
        {
            // What ServiceDefaults gives every service: the standard pipeline on every client, and a dependency that did
            // not answer as 503 ProblemDetails.
            builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
            builder.Services.AddProblemDetails();
            builder.Services.AddExceptionHandler<DependencyUnavailableExceptionHandler>();
            builder.Logging.ClearProviders().AddFakeLogging();
        }

        builder.AddDefaultAuthentication();
        // The handler's reader of the keys, counted apart from the probe at start.
        builder.Services.AddHttpClient(AuthenticationExtensions.MetadataHttpClientName).ConfigurePrimaryHttpMessageHandler(() => identity.Reader());
        builder.Services.AddHttpClient(AuthenticationExtensions.MetadataProbeHttpClientName).ConfigurePrimaryHttpMessageHandler(() => identity);
        if (authenticationClock is not null)
        {
            // The bearer handler's clock only: the metadata client's deadline keeps the real one.
            builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options => options.TimeProvider = authenticationClock);
        }
        var app = builder.Build();
        if (withDefaultRetries)
        {
            app.UseExceptionHandler();
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/me", (ClaimsPrincipal user) => user.Identity!.Name).RequireAuthorization();
        app.MapGet("/public", (ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true ? user.Identity.Name : "anonymous").AllowAnonymous();
        // No endpoint: as a function under the Functions host, whose middleware reads the caller itself.
        app.MapWhen(context => context.Request.Path == "/function", function => function.Run(context =>
            context.Response.WriteAsync(context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name! : "anonymous")));
        await app.StartAsync();
        return app;
    }

    private static HttpClient ClientOf(WebApplication app) => new()
    {
        BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()),
    };

    private static HttpRequestMessage SignedIn(JwtSettings identity)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessTokens.Mint(identity, "user-1"));
        return request;
    }

    /// <summary>Identity's metadata document and key set.</summary>
    private sealed class MetadataDouble : HttpMessageHandler
    {
        public const string MetadataAddress = "http://identity.test/.well-known/openid-configuration";
        private const string KeysAddress = "http://identity.test/.well-known/jwks.json";

        private int _metadataReads;
        private int _keyReads;

        /// <summary>Identity's own settings: its private key signs the tests' tokens.</summary>
        public JwtSettings Settings { get; } = new() { SigningKey = TestKeys.NewPrivateKey() };

        /// <summary>Metadata requests answered 503 before Identity "is up".</summary>
        public int UnavailableFor { get; init; }

        private readonly TaskCompletionSource _thawed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>No request is answered until <see cref="Thaw"/>: a stopped process (SIGSTOP) whose connections stay open.</summary>
        public bool Frozen { get; init; }

        /// <summary>SIGCONT: requests waiting, and those after, are answered.</summary>
        public void Thaw() => _thawed.TrySetResult();

        public int MetadataReads => Volatile.Read(ref _metadataReads);

        public int KeyReads => Volatile.Read(ref _keyReads);

        /// <summary>Requests of the bearer handler's reader (<see cref="Reader"/>), answered or not.</summary>
        public int ReaderRequests => Volatile.Read(ref _readerRequests);

        private int _readerRequests;

        /// <summary>This double as the bearer handler's reader of the keys sees it, each request counted.</summary>
        public HttpMessageHandler Reader() => new CountedReader(this);

        private sealed class CountedReader(MetadataDouble identity) : DelegatingHandler(identity)
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref identity._readerRequests);
                return base.SendAsync(request, cancellationToken);
            }

            // The double is shared with the probe's client: left alone when this client's handler is let go.
            protected override void Dispose(bool disposing)
            {
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Frozen)
            {
                await _thawed.Task.WaitAsync(cancellationToken);
            }

            return await AnswerAsync(request);
        }

        private Task<HttpResponseMessage> AnswerAsync(HttpRequestMessage request)
        {
            var address = request.RequestUri!.ToString();
            if (address == MetadataAddress)
            {
                var reads = Interlocked.Increment(ref _metadataReads);
                return Task.FromResult(reads <= UnavailableFor
                    ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
                    : Json(new Dictionary<string, object> { ["issuer"] = "ecommerce-identity", ["jwks_uri"] = KeysAddress }));
            }

            if (address == KeysAddress)
            {
                Interlocked.Increment(ref _keyReads);
                var key = Settings.LocalValidationKeys()[0];
                var point = key.ECDsa.ExportParameters(includePrivateParameters: false).Q;
                return Task.FromResult(Json(new Dictionary<string, object>
                {
                    ["keys"] = new[]
                    {
                        new Dictionary<string, string>
                        {
                            ["kty"] = "EC", ["use"] = "sig", ["alg"] = "ES256", ["kid"] = key.KeyId!, ["crv"] = "P-256",
                            ["x"] = Base64UrlEncoder.Encode(point.X!), ["y"] = Base64UrlEncoder.Encode(point.Y!),
                        },
                    },
                }));
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound));
        }

        private static HttpResponseMessage Json(object body) => new(HttpStatusCode.OK)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
    }
}
