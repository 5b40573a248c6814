namespace Gateway.Tests;

/// <summary>One gateway for test classes that only read (routes, tokens, headers) and stay far below the limits.</summary>
public sealed class SharedTestbed : IAsyncLifetime
{
    public GatewayTestbed Bed { get; private set; } = null!;

    public async Task InitializeAsync() => Bed = await GatewayTestbed.StartAsync();

    public async Task DisposeAsync() => await Bed.DisposeAsync();
}
