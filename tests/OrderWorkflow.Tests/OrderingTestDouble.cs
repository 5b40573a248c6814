using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TestSupport;

namespace OrderWorkflow.Tests;

/// <summary>
/// A test double of Ordering's internal payment-token route, which the saga calls when it authorizes
/// (the token never travels in OrderSubmitted). Ordering itself is tested in Ordering.Tests; here only
/// the workflow's side of the call matters, so the double admits callers as Ordering does: ServiceDefaults'
/// authentication and only the order workflow's service token for audience "ordering".
/// </summary>
public sealed class OrderingTestDouble : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OrderingTestDouble(WebApplication app) => _app = app;

    public ConcurrentDictionary<Guid, string> PaymentTokens { get; } = new();

    /// <summary>A payment-token request held until the test releases it: <see cref="Asked"/> completes when it arrives.</summary>
    public sealed class HeldAnswer
    {
        public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly ConcurrentDictionary<Guid, HeldAnswer> _held = new();

    /// <summary>Holds the answer to the next payment-token request of the order (the saga is then about to pay).</summary>
    public HeldAnswer Hold(Guid orderId) => _held.GetOrAdd(orderId, _ => new HeldAnswer());

    /// <summary>Where it listens: a loopback port the system gave when it bound (one found free beforehand can be taken first).</summary>
    public string Address { get; private set; } = "";

    public static async Task<OrderingTestDouble> StartAsync(JwtSettings jwt)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Configuration["Jwt:PublicKey"] = TestKeys.PublicKeyOf(jwt.SigningKey!);
        builder.Configuration["Jwt:KeyId"] = jwt.KeyId;
        builder.AddDefaultAuthentication(serviceAudience: "ordering");
        var app = builder.Build();
        var ordering = new OrderingTestDouble(app);
        app.MapGet("/internal/orders/{orderId:guid}/payment-token", async (Guid orderId) =>
            {
                if (ordering._held.TryRemove(orderId, out var held))
                {
                    held.Asked.TrySetResult();
                    await held.Released.Task;
                }

                return ordering.PaymentTokens.TryGetValue(orderId, out var token)
                    ? Results.Ok(new { orderId, paymentToken = token })
                    : Results.NotFound();
            })
            .RequireServiceCaller("orderworkflow");
        await app.StartAsync();
        ordering.Address = app.Urls.Single();
        return ordering;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
