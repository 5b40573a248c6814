using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using TestSupport;
using WebApp;
using WebApp.Orders;
using WebApp.PublicApi;

namespace UnitTests.Storefront;

/// <summary>
/// How long the storefront waits for the public API, on its own clients as the app wires them (service defaults
/// and AddStorefront), against a gateway double that holds each call until the test answers it. Time is a fake
/// clock the test moves, so the timeouts fire when the test says, not when a loaded machine gets to them.
/// </summary>
public sealed class PublicApiTimeoutTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private readonly HeldGateway _gateway = new();
    private readonly IHost _host;

    public PublicApiTimeoutTests()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storefront:GatewayAddress"] = "http://gateway.test/",
            // Never connected to: the Data Protection keys are not needed to call the API.
            ["ConnectionStrings:redis"] = "localhost:1",
            ["Storefront:KeyEncryptionCertificate"] = TestKeys.NewKeyEncryptionCertificate(),
        });
        builder.AddServiceDefaults();
        builder.AddStorefront();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.ConfigureHttpClientDefaults(http => http.ConfigurePrimaryHttpMessageHandler(() => _gateway));
        _host = builder.Build();
    }

    [Fact]
    public async Task Placing_an_order_that_takes_longer_than_a_reads_attempt_still_gets_the_order()
    {
        var orders = _host.Services.GetRequiredService<OrdersClient>();
        var orderId = Guid.NewGuid();

        var placing = orders.PlaceAsync("key-1", new ShippingAddress("1 Main St", "Utrecht", "3511 AA", "NL"), "tok_ok", 24.50m, CancellationToken.None);
        var call = await _gateway.NextAsync();
        _time.Advance(TimeSpan.FromSeconds(5));
        call.Answer(HttpStatusCode.Created, Order(orderId, "Submitted"));

        Assert.Equal(orderId, await placing);
        Assert.Equal(1, _gateway.Calls);
    }

    [Fact]
    public async Task Placing_an_order_that_gets_no_answer_within_the_pages_time_is_reported_unavailable_and_not_sent_again()
    {
        var orders = _host.Services.GetRequiredService<OrdersClient>();

        var placing = orders.PlaceAsync("key-1", new ShippingAddress("1 Main St", "Utrecht", "3511 AA", "NL"), "tok_ok", 24.50m, CancellationToken.None);
        await _gateway.NextAsync();
        _time.Advance(TimeSpan.FromSeconds(9));

        var problem = await Assert.ThrowsAsync<ApiProblemException>(() => placing);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, problem.Status);
        Assert.Equal(1, _gateway.Calls);
    }

    [Fact]
    public async Task A_read_whose_attempt_hangs_is_cut_short_while_the_pages_time_goes_on()
    {
        var orders = _host.Services.GetRequiredService<OrdersClient>();

        var reading = orders.GetAsync(Guid.NewGuid(), CancellationToken.None);
        var first = await _gateway.NextAsync();
        _time.Advance(TimeSpan.FromSeconds(3.1));

        // The attempt is given up (to be tried again within the page's 8 s), the read itself is not.
        await first.Abandoned.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.False(reading.IsCompleted);
    }

    private static JsonContent Order(Guid orderId, string status) =>
        JsonContent.Create(new { orderId, status, reason = (string?)null, lines = Array.Empty<object>(), total = 24.50m, createdAt = DateTimeOffset.UnixEpoch });

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>
    /// Ends what a test left in flight before the host goes: the resilience pipelines wait for their executions on
    /// disposal, on the fake clock, so an unanswered call or a retry's backoff would hold disposal for ever.
    /// </summary>
    public async Task DisposeAsync()
    {
        _gateway.Close();
        var disposing = ((IAsyncDisposable)_host).DisposeAsync().AsTask();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!disposing.IsCompleted && DateTime.UtcNow < deadline)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromMilliseconds(50)));
        }

        await disposing.WaitAsync(TimeSpan.Zero);
    }

    /// <summary>The gateway, as far as the storefront's clients can tell: each call waits until the test answers it.</summary>
    private sealed class HeldGateway : HttpMessageHandler
    {
        private readonly System.Threading.Channels.Channel<HeldCall> _calls = System.Threading.Channels.Channel.CreateUnbounded<HeldCall>();
        private readonly System.Collections.Concurrent.ConcurrentQueue<HeldCall> _all = new();
        private int _count;

        public int Calls => Volatile.Read(ref _count);

        public async Task<HeldCall> NextAsync() => await _calls.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1));

        /// <summary>Answers every call held so far, and every later one, 503.</summary>
        public void Close()
        {
            _calls.Writer.TryComplete();
            foreach (var call in _all)
            {
                call.Answer(HttpStatusCode.ServiceUnavailable, new StringContent(""));
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            var call = new HeldCall();
            _all.Enqueue(call);
            if (!_calls.Writer.TryWrite(call))
            {
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            }

            try
            {
                return await call.Response.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                call.Abandon();
                throw;
            }
        }
    }

    private sealed class HeldCall
    {
        public TaskCompletionSource<HttpResponseMessage> Response { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private readonly TaskCompletionSource _abandoned = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the caller gave up on this call (its attempt's time ran out).</summary>
        public Task Abandoned => _abandoned.Task;

        public void Answer(HttpStatusCode status, HttpContent content) => Response.TrySetResult(new HttpResponseMessage(status) { Content = content });

        public void Abandon() => _abandoned.TrySetResult();
    }
}
