using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using WebApp;
using WebApp.Orders;
using WebApp.PublicApi;

namespace UnitTests.Storefront;

/// <summary>
/// How long the storefront waits for the public API, on its own clients as the app wires them (service defaults
/// and AddStorefront), against a gateway double that holds each call until the test answers it. Time is a fake
/// clock the test moves, so the timeouts fire when the test says, not when a loaded machine gets to them.
/// </summary>
public sealed class PublicApiTimeoutTests : IDisposable
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
    public async Task A_read_whose_first_attempt_hangs_is_cut_short_and_asked_again()
    {
        var orders = _host.Services.GetRequiredService<OrdersClient>();
        var orderId = Guid.NewGuid();

        var reading = orders.GetAsync(orderId, CancellationToken.None);
        var first = await _gateway.NextAsync();
        _time.Advance(TimeSpan.FromSeconds(3.1));
        await first.Abandoned.WaitAsync(TimeSpan.FromSeconds(30));
        // The retry waits its backoff on the fake clock: move it on until the second attempt arrives.
        var second = await _gateway.NextAsync(() => _time.Advance(TimeSpan.FromMilliseconds(200)));
        second.Answer(HttpStatusCode.OK, Order(orderId, "Confirmed"));

        Assert.Equal(orderId, (await reading)?.OrderId);
        Assert.Equal(2, _gateway.Calls);
    }

    private static JsonContent Order(Guid orderId, string status) =>
        JsonContent.Create(new { orderId, status, reason = (string?)null, lines = Array.Empty<object>(), total = 24.50m, createdAt = DateTimeOffset.UnixEpoch });

    public void Dispose() => _host.Dispose();

    /// <summary>The gateway, as far as the storefront's clients can tell: each call waits until the test answers it.</summary>
    private sealed class HeldGateway : HttpMessageHandler
    {
        private readonly System.Threading.Channels.Channel<HeldCall> _calls = System.Threading.Channels.Channel.CreateUnbounded<HeldCall>();
        private int _count;

        public int Calls => Volatile.Read(ref _count);

        /// <summary>The next call to arrive; <paramref name="meanwhile"/> runs while none has (moving a fake clock, say).</summary>
        public async Task<HeldCall> NextAsync(Action? meanwhile = null)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            HeldCall? call;
            while (!_calls.Reader.TryRead(out call))
            {
                Assert.True(DateTime.UtcNow < deadline, "No call reached the gateway within 30 s.");
                meanwhile?.Invoke();
                await Task.WhenAny(_calls.Reader.WaitToReadAsync().AsTask(), Task.Delay(TimeSpan.FromMilliseconds(20)));
            }

            return call;
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            var call = new HeldCall();
            using var abandon = cancellationToken.Register(() => call.Abandon());
            await _calls.Writer.WriteAsync(call, CancellationToken.None);
            return await call.Response.Task.WaitAsync(cancellationToken);
        }
    }

    private sealed class HeldCall
    {
        public TaskCompletionSource<HttpResponseMessage> Response { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private readonly TaskCompletionSource _abandoned = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the caller gave up on this call (its attempt's time ran out).</summary>
        public Task Abandoned => _abandoned.Task;

        public void Answer(HttpStatusCode status, HttpContent content) => Response.SetResult(new HttpResponseMessage(status) { Content = content });

        public void Abandon() => _abandoned.TrySetResult();
    }
}
