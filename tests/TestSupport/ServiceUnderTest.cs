using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace TestSupport;

/// <summary>
/// A service's real application (its Program.cs: ServiceDefaults and its own AddXxxServices) on
/// Kestrel at 127.0.0.1, told about its test surroundings only through configuration, as the AppHost
/// tells it in production. <typeparamref name="TEntryPoint"/> is any public type of the service's
/// assembly (every .NET 10 web project has a public <c>Program</c>, ambiguous in a test that
/// references two).
/// </summary>
public sealed class ServiceUnderTest<TEntryPoint> : WebApplicationFactory<TEntryPoint> where TEntryPoint : class
{
    private readonly IReadOnlyDictionary<string, string?> _settings;

    /// <param name="settings">Configuration that overrides the service's appsettings.json.</param>
    /// <param name="listen">Kestrel's endpoints; one free loopback port when null.</param>
    public ServiceUnderTest(IReadOnlyDictionary<string, string?> settings, Action<KestrelServerOptions>? listen = null)
    {
        _settings = settings;
        if (listen is null)
        {
            UseKestrel(0);
        }
        else
        {
            UseKestrel(listen);
        }
    }

    /// <summary>Starts the service and returns the address of its first endpoint.</summary>
    public Uri Start()
    {
        StartServer();
        return Addresses[0];
    }

    /// <summary>Once started, the address of each endpoint, in the order they were configured (a port 0 resolved to the one bound).</summary>
    public IReadOnlyList<Uri> Addresses =>
        // Kestrel reports the wildcard form for some bindings; the loopback address is what clients use.
        [.. Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(address => new Uri(address.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1")))];

    /// <inheritdoc cref="Start"/>
    /// <remarks>On a thread-pool thread, so that several replicas can start together.</remarks>
    public Task<Uri> StartAsync() => Task.Run(Start);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // What ships: Production, unless a test says otherwise through its settings.
        builder.UseEnvironment("Production");
        // Host settings are visible while Program registers services (some of it reads configuration
        // then); the same values added after the app's own sources also win over appsettings.json.
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(_settings));
    }
}
