using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TestSupport;

/// <summary>
/// Identity's token endpoint as a small in-test double: answers client-credentials requests for any
/// client and audience with a service token signed by the test's key, and counts the requests. A
/// service under test that calls another one is pointed at it through <see cref="CallerSettings"/>.
/// </summary>
public sealed class TokenEndpointDouble(JwtSettings jwt) : IAsyncDisposable
{
    public const string Secret = "token-endpoint-double-secret-0123456789";

    private WebApplication? _app;
    private int _requests;

    public Uri TokenEndpoint { get; private set; } = null!;

    /// <summary>Token requests answered so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapPost("/connect/token", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref _requests);
            var form = await request.ReadFormAsync();
            return form["client_secret"] == Secret
                ? Results.Json(new Dictionary<string, object>
                {
                    ["access_token"] = AccessTokens.MintService(jwt, form["client_id"]!, form["audience"]!, DateTime.UtcNow.AddMinutes(5)),
                    ["token_type"] = "Bearer",
                    ["expires_in"] = 300,
                })
                : Results.Json(new { error = "invalid_client" }, statusCode: StatusCodes.Status401Unauthorized);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        TokenEndpoint = new Uri(new Uri(address), "/connect/token");
    }

    /// <summary>The configuration of a calling service known as <paramref name="clientId"/>.</summary>
    public Dictionary<string, string?> CallerSettings(string clientId) => new()
    {
        ["ServiceIdentity:ClientId"] = clientId,
        ["ServiceIdentity:ClientSecret"] = Secret,
        ["ServiceIdentity:TokenEndpoint"] = TokenEndpoint.ToString(),
    };

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
