extern alias OrderingApi;

using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using TestSupport;
using OrderingContext = OrderingApi::Ordering.Api.Data.OrderingContext;

namespace Ordering.Tests;

/// <summary>
/// Ordering's real Program started while Identity is frozen (a listener that takes connections and never answers, as a
/// process stopped with SIGSTOP does): what it has not read from Identity yet, its signing keys or its service token for
/// Basket, turns a shopper's request into a 503 it may retry, answered before the gateway's route deadline gives up on it.
/// </summary>
[Collection(OrderingCollection.Name)]
public sealed class FrozenIdentityTests(OrderingFixture fixture)
{
    /// <summary>The gateway's "standard" route timeout (services/Gateway/appsettings.json, Gateway:Timeouts).</summary>
    private static readonly TimeSpan GatewayRouteDeadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Without_Identitys_keys_a_signed_in_request_is_answered_503_not_left_to_the_gateways_504()
    {
        using var identity = FrozenListener.Start();
        var jwt = TestKeys.NewSettings("frozen-identity");
        await using var ordering = await StartOrderingAsync(identity, new()
        {
            ["Jwt:MetadataAddress"] = $"{identity.Address}.well-known/openid-configuration",
        });
        using var client = ordering.CreateClient();
        client.Timeout = GatewayRouteDeadline;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessTokens.Mint(jwt, OrderingFixture.NewUser()));

        using var response = await client.GetAsync("/api/orders");

        await AssertUnavailableAsync(response);
    }

    [Fact]
    public async Task Without_a_token_for_Basket_a_checkout_is_answered_503_and_no_order_is_made()
    {
        using var identity = FrozenListener.Start();
        var jwt = TestKeys.NewSettings("frozen-identity");
        await using var ordering = await StartOrderingAsync(identity, new()
        {
            ["Jwt:PublicKey"] = TestKeys.PublicKeyOf(jwt.SigningKey!),
            ["Jwt:KeyId"] = "frozen-identity",
        });
        var user = OrderingFixture.NewUser();
        using var client = ordering.CreateClient();
        client.Timeout = GatewayRouteDeadline;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessTokens.Mint(jwt, user));

        using var response = await OrderingFixture.CheckoutAsync(client, Guid.NewGuid().ToString());

        await AssertUnavailableAsync(response);
        using var orders = await client.GetAsync("/api/orders");
        Assert.Equal(HttpStatusCode.OK, orders.StatusCode);
        Assert.Contains("\"count\":0", await orders.Content.ReadAsStringAsync());
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 503 says when to try again");
        Assert.Contains("\"status\":503", await response.Content.ReadAsStringAsync());
    }

    private async Task<ServiceUnderTest<OrderingContext>> StartOrderingAsync(FrozenListener identity, Dictionary<string, string?> jwt)
    {
        var settings = new Dictionary<string, string?>(jwt)
        {
            ["ConnectionStrings:orderingdb"] = await fixture.Servers.CreateDatabaseAsync(),
            ["ConnectionStrings:redis"] = fixture.Servers.RedisConnectionString,
            ["ServiceIdentity:ClientId"] = "ordering",
            ["ServiceIdentity:ClientSecret"] = TokenEndpointDouble.Secret,
            ["ServiceIdentity:TokenEndpoint"] = $"{identity.Address}connect/token",
            // Never called: the call waits for its token first. An address nothing listens on, should it be.
            ["services:basket:grpc:0"] = "http://127.0.0.1:9",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var ordering = new ServiceUnderTest<OrderingContext>(settings);
        await ordering.StartAsync();
        return ordering;
    }

    /// <summary>Takes TCP connections and never reads or answers: a frozen process, whose kernel still accepts.</summary>
    private sealed class FrozenListener : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _held = [];
        private readonly CancellationTokenSource _stop = new();

        public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

        public static FrozenListener Start()
        {
            var frozen = new FrozenListener();
            frozen._listener.Start();
            _ = frozen.AcceptAsync();
            return frozen;
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    lock (_held)
                    {
                        _held.Add(socket);
                    }
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                // stopped
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_held)
            {
                _held.ForEach(socket => socket.Dispose());
            }

            _stop.Dispose();
        }
    }
}
