using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Basket.Grpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ordering.Tests;

/// <summary>
/// A test double of the Basket service: the BasketService of basket.proto (the generated server base)
/// on Kestrel, HTTP/2 only, at 127.0.0.1 and a free port, answering from <see cref="Baskets"/>. The real
/// Basket application would also need the catalog; Basket's own tests cover it.
/// </summary>
public sealed class BasketServiceTestDouble : BasketService.BasketServiceBase
{
    /// <summary>Each user's basket lines; a user without an entry has an empty basket.</summary>
    public ConcurrentDictionary<string, BasketLine[]> Baskets { get; } = new(StringComparer.Ordinal);

    /// <summary>Each user's basket version, as the real service keeps it: it grows with every change and never restarts.</summary>
    public ConcurrentDictionary<string, long> Versions { get; } = new(StringComparer.Ordinal);

    /// <summary>Users whose GetBasket fails with the given status, as a Basket whose store is down answers.</summary>
    public ConcurrentDictionary<string, StatusCode> Failures { get; } = new(StringComparer.Ordinal);

    private long _lastVersion;

    /// <summary>The Authorization header of the last GetBasket call.</summary>
    public string? LastAuthorization { get; private set; }

    public override Task<BasketReply> GetBasket(GetBasketRequest request, ServerCallContext context)
    {
        LastAuthorization = context.RequestHeaders.GetValue("authorization");
        if (string.IsNullOrWhiteSpace(request.UserId))
        {
            // As the real service answers a call without a user.
            throw new RpcException(new Status(StatusCode.InvalidArgument, "user_id is required."));
        }

        if (Failures.TryGetValue(request.UserId, out var failure))
        {
            throw new RpcException(new Status(failure, "the basket store did not answer"));
        }

        var lines = Baskets.GetValueOrDefault(request.UserId, []);
        var total = lines.Sum(l => l.Quantity * decimal.Parse(l.UnitPrice, CultureInfo.InvariantCulture));
        var reply = new BasketReply { Total = total.ToString(CultureInfo.InvariantCulture), Version = Versions.GetValueOrDefault(request.UserId) };
        reply.Lines.AddRange(lines.Select(l => l.Clone()));
        return Task.FromResult(reply);
    }

    public override Task<ClearBasketReply> ClearBasket(ClearBasketRequest request, ServerCallContext context)
    {
        Baskets.TryRemove(request.UserId, out _);
        Versions[request.UserId] = Interlocked.Increment(ref _lastVersion);
        return Task.FromResult(new ClearBasketReply());
    }

    /// <summary>Puts <paramref name="lines"/> in <paramref name="userId"/>'s basket (replacing what was there): a new version.</summary>
    public void Fill(string userId, params (int ProductId, string Name, int Quantity, decimal UnitPrice)[] lines)
    {
        Versions[userId] = Interlocked.Increment(ref _lastVersion);
        Baskets[userId] = [.. lines.Select(l => new BasketLine
        {
            ProductId = l.ProductId,
            Name = l.Name,
            Quantity = l.Quantity,
            UnitPrice = l.UnitPrice.ToString(CultureInfo.InvariantCulture),
        })];
    }

    /// <summary>Starts the double and returns it with its running server and its address (http://127.0.0.1:port).</summary>
    public static async Task<(BasketServiceTestDouble Double, WebApplication Server, string Address)> StartAsync()
    {
        var basket = new BasketServiceTestDouble();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Cleartext gRPC needs HTTP/2 with prior knowledge, which only an HTTP/2-only endpoint offers.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(basket);
        var app = builder.Build();
        app.MapGrpcService<BasketServiceTestDouble>();
        await app.StartAsync();
        return (basket, app, app.Urls.Single());
    }
}
