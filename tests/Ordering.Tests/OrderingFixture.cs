extern alias OrderingApi;

using System.Net.Http.Headers;
using System.Net.Http.Json;
using BuildingBlocks.EventBus;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TestSupport;
using OrderingContext = OrderingApi::Ordering.Api.Data.OrderingContext;

namespace Ordering.Tests;

/// <summary>
/// Ordering's real Program (AddServiceDefaults, AddOrderingServices, its endpoints) under
/// WebApplicationFactory on Kestrel (<see cref="ServiceUnderTest{TEntryPoint}"/>), set up only through configuration, as the AppHost
/// sets it up: a database of its own on a real PostgreSQL, a real redis-server for the event bus and the
/// outbox relay, a JWT signing key, and the basket's gRPC address for service discovery, which points at
/// <see cref="BasketServiceTestDouble"/>.
/// </summary>
public sealed class OrderingFixture : IAsyncLifetime
{
    public const string KeyId = "ordering-tests";

    // Identity's private key stays with the test; Ordering gets only the public key.
    private readonly JwtSettings _jwt = TestKeys.NewSettings(KeyId);
    private TokenEndpointDouble? _tokens;

    public LocalServers Servers { get; } = new();

    public BasketServiceTestDouble Basket { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    private WebApplication? _basketServer;
    private ServiceUnderTest<OrderingContext>? _ordering;

    /// <summary>The running Ordering application's services.</summary>
    public IServiceProvider Services => _ordering!.Services;

    public async Task InitializeAsync()
    {
        await Servers.InitializeAsync();
        var database = await Servers.CreateDatabaseAsync();
        (Basket, _basketServer, var basketAddress) = await BasketServiceTestDouble.StartAsync();

        _tokens = new TokenEndpointDouble(_jwt);
        await _tokens.StartAsync();
        _ordering = new ServiceUnderTest<OrderingContext>(new Dictionary<string, string?>(_tokens.CallerSettings("ordering"))
        {
            ["ConnectionStrings:orderingdb"] = database,
            ["ConnectionStrings:redis"] = Servers.RedisConnectionString,
            ["Jwt:PublicKey"] = TestKeys.PublicKeyOf(_jwt.SigningKey!),
            ["Jwt:KeyId"] = KeyId,
            // What the AppHost's WithReference(basket) gives: the endpoint named grpc of the resource basket.
            ["services:basket:grpc:0"] = basketAddress,
            ["Logging:LogLevel:Default"] = "Warning",
            // The stuck-order sweeper looks often; its deadline stays long, so only orders a test backdates are stuck.
            ["Ordering:StuckOrders:Interval"] = "00:00:00.500",
            ["Ordering:StuckOrders:Deadline"] = "00:10:00",
        });
        // Migrations run before the first request, as in production.
        await _ordering.StartAsync();
        Anonymous = _ordering.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Anonymous?.Dispose();
        if (_ordering is not null)
        {
            await _ordering.DisposeAsync();
        }

        if (_basketServer is not null)
        {
            await _basketServer.StopAsync();
            await _basketServer.DisposeAsync();
        }

        if (_tokens is not null)
        {
            await _tokens.DisposeAsync();
        }

        await Servers.DisposeAsync();
    }

    /// <summary>A fresh user id, so that tests never share orders or baskets.</summary>
    public static string NewUser() => $"shopper-{Guid.NewGuid():N}";

    /// <summary>A client of the Ordering API signed in as <paramref name="userId"/>, with a token as Identity would mint it.</summary>
    public HttpClient ClientFor(string userId)
    {
        var client = _ordering!.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(userId));
        return client;
    }

    /// <summary>A client of the Ordering API calling as another service, with that service's token for Ordering (client credentials, as Identity issues them).</summary>
    public HttpClient ServiceClientFor(string clientId)
    {
        var client = _ordering!.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessTokens.MintService(_jwt, clientId, "ordering"));
        return client;
    }

    /// <summary>An access token as Identity would mint it: the key, key id, issuer and audience Ordering runs with.</summary>
    public string TokenFor(string userId, DateTime? expires = null) =>
        AccessTokens.Mint(_jwt, userId, expires: expires);

    /// <summary>POST /api/orders with a valid body and, unless null, the Idempotency-Key header.</summary>
    public static Task<HttpResponseMessage> CheckoutAsync(HttpClient client, string? idempotencyKey, object? body = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(body ?? CheckoutBody()) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return client.SendAsync(request);
    }

    public static object CheckoutBody(string paymentToken = "tok_ok") => new
    {
        shippingAddress = new { street = "1 Test Street", city = "Testville", postalCode = "12345", country = "NL" },
        paymentToken,
    };

    /// <summary>Fills the user's basket in the double and checks it out; returns the accepted order's id.</summary>
    public async Task<Guid> PlaceOrderAsync(HttpClient client, string userId)
    {
        Basket.Fill(userId, (Random.Shared.Next(1, 1_000_000), "Test product", 1, 9.99m));
        var response = await CheckoutAsync(client, Guid.NewGuid().ToString());
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Accepted>())!.OrderId;
    }

    /// <summary>Runs <paramref name="query"/> on the application's own OrderingContext, in a scope of its services.</summary>
    public async Task<T> QueryAsync<T>(Func<OrderingContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<OrderingContext>());
    }

    /// <summary>
    /// Puts <paramref name="event"/> on the real bus (Redis Streams) through the building blocks' publisher,
    /// as the order workflow's outbox relay does; Ordering's consumer hands it to its registered handler.
    /// </summary>
    public Task PublishAsync(IntegrationEvent @event, string partitionKey) =>
        Services.GetRequiredService<IEventPublisher>()
            .PublishAsync(CloudEvent.Create(@event, "orderworkflow", partitionKey), CancellationToken.None);
}

public sealed record Accepted(Guid OrderId, string Status, OrderLineView[] Lines, decimal Total);

[CollectionDefinition(Name)]
public sealed class OrderingCollection : ICollectionFixture<OrderingFixture>
{
    public const string Name = "ordering";
}
