using BuildingBlocks.EventBus;
using BuildingBlocks.Locking;
using BuildingBlocks.StateStore;
using Microsoft.Extensions.DependencyInjection;

namespace BuildingBlocks.Dapr;

/// <summary>Registers the Dapr implementations of the platform's seams (Kubernetes mode).</summary>
internal static class DaprAdapters
{
    public static void Add(IServiceCollection services)
    {
        // DaprClient is thread-safe and holds the gRPC channel to the sidecar: one per process.
        services.AddDaprClient();
        services.AddSingleton<IEventPublisher, DaprEventPublisher>();
        services.AddSingleton<IStateStore, DaprStateStore>();
        services.AddSingleton<IDistributedLock, DaprDistributedLock>();
    }
}
