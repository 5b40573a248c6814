using FunctionsHost.Tests.SampleApp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsHost.Tests;

/// <summary>The sample app on the plain path, on Kestrel at a free loopback port (no TestServer here).</summary>
public sealed class PlainAppFixture : IAsyncLifetime
{
    private WebApplication? app;

    public HttpClient Client { get; } = new();

    public TickCounter Counter => app!.Services.GetRequiredService<TickCounter>();

    public async Task InitializeAsync()
    {
        app = FunctionAppHost.BuildPlain(
            ["--urls", "http://127.0.0.1:0"],
            typeof(TickCounter).Assembly,
            builder => builder.Services.AddSingleton<TickCounter>());
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        Client.BaseAddress = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
