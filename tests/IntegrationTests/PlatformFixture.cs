using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace IntegrationTests;

/// <summary>One platform start shared by every test of the collection.</summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    private readonly string _dataDirectory = PlatformHost.NewDataDirectory();

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>A client for the gateway, the platform's only public entry point.</summary>
    public HttpClient Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await PlatformHost.StartAsync(_dataDirectory, [PlatformHost.AllCatalogReplicas]);
        Gateway = App.CreateHttpClient("gateway");
    }

    public async Task DisposeAsync()
    {
        Gateway?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        PlatformHost.DeleteDataDirectory(_dataDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
