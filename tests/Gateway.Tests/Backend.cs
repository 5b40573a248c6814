using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests;

/// <summary>A request as a backend received it.</summary>
public sealed record ReceivedRequest(string Method, string Path, string? Authorization, string? TraceParent, string? CorrelationId, long BodyLength);

/// <summary>
/// A stand-in service on its own Kestrel port (127.0.0.1): answers every <c>/api/**</c> request with
/// its name, <c>/health/ready</c> with 200 or 503 as <see cref="Healthy"/> says, and plays Identity's
/// login (401 unless the password is <see cref="RightPassword"/>). Tests switch its faults at run time
/// and stop it to simulate a crashed replica.
/// </summary>
public sealed class Backend : IAsyncDisposable
{
    public const string RightPassword = "right-password";

    private readonly WebApplication _app;
    private bool _stopped;

    private Backend(string name, WebApplication app)
    {
        Name = name;
        _app = app;
    }

    public string Name { get; }

    public string Url { get; private set; } = "";

    public bool Healthy { get; set; } = true;

    /// <summary>When set, GET requests to /api/** are answered with this status.</summary>
    public int? FailGetsWith { get; set; }

    /// <summary>When set, POST requests to /api/** are answered with this status.</summary>
    public int? FailPostsWith { get; set; }

    /// <summary>When set, every /api/** answer carries this <c>Cache-Control</c> (as Catalog marks its public reads).</summary>
    public string? CacheControl { get; set; }

    /// <summary>Answers /api/** only after this long (or when the caller gives up).</summary>
    public TimeSpan Delay { get; set; }

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>What <c>GET /events/deadletters</c> lists (a service on the native bus); null: 404, as on Dapr.</summary>
    public object[]? DeadLetters { get; set; }

    public int Count(string method) => Requests.Count(request => request.Method == method);

    public int Count(string method, string path) => Requests.Count(request => request.Method == method && request.Path == path);

    private int _probes;

    /// <summary>Health probes (<c>/health/ready</c>) received.</summary>
    public int Probes => Volatile.Read(ref _probes);

    public static async Task<Backend> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var backend = new Backend(name, app);

        app.MapGet("/health/ready", () =>
        {
            Interlocked.Increment(ref backend._probes);
            return backend.Healthy ? Results.Ok("Healthy") : Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        });
        app.MapPost("/api/identity/login", async (HttpContext context) =>
        {
            var body = await backend.RecordAsync(context);
            using var login = JsonDocument.Parse(body.Length == 0 ? "{}" : body);
            return login.RootElement.TryGetProperty("password", out var password) && password.GetString() == RightPassword
                ? Results.Ok(new { accessToken = "token", refreshToken = "refresh", expiresIn = 900 })
                : Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid credentials.");
        });
        app.Map("/api/{**rest}", async (HttpContext context) =>
        {
            await backend.RecordAsync(context);
            if (backend.CacheControl is { } cacheControl)
            {
                context.Response.Headers.CacheControl = cacheControl;
            }

            if (backend.Delay > TimeSpan.Zero)
            {
                await Task.Delay(backend.Delay, context.RequestAborted);
            }

            var method = context.Request.Method;
            if ((HttpMethods.IsGet(method) ? backend.FailGetsWith : HttpMethods.IsPost(method) ? backend.FailPostsWith : null) is { } status)
            {
                return Results.Problem(statusCode: status, title: $"{backend.Name} is failing.");
            }

            return Results.Ok(new { backend = backend.Name, method, path = context.Request.Path.Value });
        });

        app.MapGet("/events/deadletters", async (HttpContext context) =>
        {
            await backend.RecordAsync(context);
            return backend.DeadLetters is { } letters ? Results.Ok(letters) : Results.NotFound();
        });

        // Any other path: a page, as the storefront serves them.
        app.Map("/{**path}", async (HttpContext context) =>
        {
            await backend.RecordAsync(context);
            return Results.Text($"<h1>{backend.Name}</h1>", "text/html");
        });

        await app.StartAsync();
        backend.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return backend;
    }

    private async Task<string> RecordAsync(HttpContext context)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers;
        Requests.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path.Value ?? "",
            headers.Authorization.FirstOrDefault(), headers["traceparent"].FirstOrDefault(), headers["X-Correlation-Id"].FirstOrDefault(), body.Length));
        return body;
    }

    /// <summary>Stops the process's equivalent: the port closes and connections are refused.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
