extern alias BasketApi;

using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using BuildingBlocks.EventBus;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using TestSupport;
using BasketService = TestSupport.ServiceUnderTest<BasketApi::Basket.Api.Model.BasketStore>;

namespace Basket.Tests;

/// <summary>
/// The real Basket application on Kestrel (127.0.0.1): REST on an HTTP/1.1 port, gRPC on an
/// HTTP/2-only port (cleartext HTTP/2 needs prior knowledge, which a mixed endpoint cannot offer),
/// state and events in a real redis-server. Catalog is played by a small stand-in that serves
/// Catalog's HTTP contract (<c>GET /api/catalog/items/{id}</c>) from <see cref="Products"/>;
/// Catalog's own tests cover Catalog. Basket reads Catalog on every use here (no product lifetime), so
/// that a change to <see cref="Products"/> shows at once; <see cref="CachingBasketFixture"/> keeps products.
/// </summary>
public class BasketFixture : IAsyncLifetime
{
    private readonly TimeSpan _productLifetime;

    public BasketFixture() : this(TimeSpan.Zero)
    {
    }

    // xunit activates a fixture through its only public constructor.
    protected BasketFixture(TimeSpan productLifetime) => _productLifetime = productLifetime;

    private const string KeyId = "basket-tests";

    // Identity's private key stays with the test; Basket gets only the public key.
    public JwtSettings Jwt { get; } = TestKeys.NewSettings(KeyId);

    public LocalServers Servers { get; } = new();

    /// <summary>The stand-in catalog's products; tests add and change them freely.</summary>
    public ConcurrentDictionary<int, (string Name, decimal Price)> Products { get; } = new();

    /// <summary>Product reads the stand-in catalog has answered.</summary>
    public int CatalogReads => _catalogReads;

    public HttpClient Anonymous { get; private set; } = null!;
    public GrpcChannel GrpcChannel { get; private set; } = null!;

    private WebApplication? _catalog;
    private int _catalogReads;
    private BasketService? _basket;
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        await Servers.InitializeAsync();
        _redis = await ConnectionMultiplexer.ConnectAsync(Servers.RedisConnectionString);

        var catalogUrl = await StartCatalogAsync();
        _basket = new BasketService(
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:redis"] = Servers.RedisConnectionString,
                ["Dapr:Enabled"] = "false",
                ["EventBus:ServiceName"] = "basket",
                ["EventBus:PollInterval"] = "00:00:00.200",
                ["Jwt:PublicKey"] = TestKeys.PublicKeyOf(Jwt.SigningKey!),
                ["Jwt:KeyId"] = KeyId,
                ["services:catalog:http:0"] = catalogUrl,
                ["Catalog:ProductLifetime"] = _productLifetime.ToString(),
                ["Logging:LogLevel:Default"] = "Warning",
            },
            kestrel =>
            {
                // Ports the system gives at bind time: one found free beforehand can be taken before the bind.
                kestrel.Listen(IPAddress.Loopback, 0);
                kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            });
        _basket.Start();

        Anonymous = new HttpClient { BaseAddress = _basket.Addresses[0] };
        GrpcChannel = GrpcChannel.ForAddress(_basket.Addresses[1]);
    }

    public async Task DisposeAsync()
    {
        GrpcChannel?.Dispose();
        Anonymous?.Dispose();
        if (_basket is not null)
        {
            await _basket.DisposeAsync();
        }

        if (_catalog is not null)
        {
            await _catalog.StopAsync();
            await _catalog.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        await Servers.DisposeAsync();
    }

    /// <summary>An HTTP client that calls the Basket API as <paramref name="userId"/>.</summary>
    public HttpClient ClientFor(string userId)
    {
        var client = new HttpClient { BaseAddress = Anonymous.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(userId));
        return client;
    }

    /// <summary>A token as Identity would issue it: same key, issuer and audience; the user id in <c>sub</c>.</summary>
    public string TokenFor(string userId) => AccessTokens.Mint(Jwt, userId);

    /// <summary>gRPC call headers carrying <paramref name="clientId"/>'s service token for Basket (Ordering's is the one admitted).</summary>
    public global::Grpc.Core.Metadata ServiceCaller(string clientId = "ordering", string audience = "basket") =>
        new() { { "Authorization", "Bearer " + AccessTokens.MintService(Jwt, clientId, audience) } };

    /// <summary>A product in the stand-in catalog with a fresh id.</summary>
    public int NewProduct(string name, decimal price)
    {
        var id = Random.Shared.Next(1_000_000, int.MaxValue);
        Products[id] = (name, price);
        return id;
    }

    /// <summary>Publishes an event on the bus, as Ordering's outbox relay would.</summary>
    public async Task PublishAsync(IntegrationEvent @event, string partitionKey)
    {
        var cloudEvent = CloudEvent.Create(@event, "tests", partitionKey);
        await _redis.GetDatabase().StreamAddAsync($"events:{cloudEvent.Topic}", "event", cloudEvent.ToJson());
        // Wakes the consumer at once instead of at its next poll.
        await _redis.GetSubscriber().PublishAsync(RedisChannel.Literal($"events:{cloudEvent.Topic}:notify"), "");
    }

    private async Task<string> StartCatalogAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _catalog = builder.Build();
        _catalog.MapGet("/api/catalog/items/{id:int}", (int id) =>
        {
            Interlocked.Increment(ref _catalogReads);
            return Products.TryGetValue(id, out var product)
                ? Results.Ok(new { id, name = product.Name, description = "", price = product.Price, categoryId = 1, brandId = 1, availableStock = 100 })
                : Results.NotFound();
        });
        await _catalog.StartAsync();
        return _catalog.Urls.Single();
    }

}

/// <summary>Basket as deployed: each product read from Catalog is kept, here for longer than any test runs.</summary>
public sealed class CachingBasketFixture() : BasketFixture(TimeSpan.FromHours(1));

[CollectionDefinition(Name)]
public sealed class BasketCollection : ICollectionFixture<BasketFixture>
{
    public const string Name = "basket";
}
