using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OrderWorkflow.Tests;

/// <summary>
/// A test double of Ordering's internal payment-token route, which the saga calls when it authorizes
/// (the token never travels in OrderSubmitted). Ordering itself is tested in Ordering.Tests; here only
/// the workflow's side of the call matters. Counts the calls so a test can see the token was fetched.
/// </summary>
public sealed class OrderingTestDouble : IAsyncDisposable
{
    private readonly WebApplication _app;

    public ConcurrentDictionary<Guid, string> PaymentTokens { get; } = new();

    public int Port { get; }

    private OrderingTestDouble(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public static async Task<OrderingTestDouble> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var ordering = new OrderingTestDouble(app, port);
        app.MapGet("/internal/orders/{orderId:guid}/payment-token", (Guid orderId) =>
            ordering.PaymentTokens.TryGetValue(orderId, out var token)
                ? Results.Ok(new { orderId, paymentToken = token })
                : Results.NotFound());
        await app.StartAsync();
        return ordering;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
