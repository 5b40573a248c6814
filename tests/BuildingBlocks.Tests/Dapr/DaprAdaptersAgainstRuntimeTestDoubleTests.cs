using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using BuildingBlocks.Dapr;
using BuildingBlocks.EventBus;
using BuildingBlocks.Locking;
using BuildingBlocks.StateStore;
using Dapr.Client;
using Microsoft.Extensions.DependencyInjection;

namespace BuildingBlocks.Tests.Dapr;

/// <summary>
/// The Dapr adapters against <see cref="DaprRuntimeDouble"/>, an in-process test double of the
/// sidecar's gRPC API (not a real daprd, Kafka or Redis): they prove what the adapters send and
/// how they read the answers.
/// </summary>
public sealed class DaprAdaptersAgainstRuntimeTestDoubleTests : IAsyncLifetime
{
    private DaprRuntimeDouble _runtime = null!;
    private DaprClient _client = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _runtime = await DaprRuntimeDouble.StartAsync(
            DaprComponents.PubSub, DaprComponents.StateStore, DaprComponents.LockStore);
        _client = _runtime.CreateClient();
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _services.DisposeAsync();
        await _runtime.DisposeAsync();
    }

    [Fact]
    public async Task Publish_puts_the_structured_CloudEvent_on_the_topic_of_the_pubsub_component_against_the_test_double()
    {
        var publisher = new DaprEventPublisher(_client, new EventBusMetrics(_services.GetRequiredService<IMeterFactory>()));
        var cloudEvent = new CloudEvent
        {
            Id = Guid.NewGuid().ToString(),
            Source = "catalog",
            Type = "catalog.price-changed",
            Time = DateTimeOffset.UtcNow,
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            PartitionKey = "product-42",
            Data = JsonSerializer.SerializeToElement(new { productId = 42, price = 9.99m }),
        };

        await publisher.PublishAsync(cloudEvent, CancellationToken.None);

        var message = Assert.Single(_runtime.Published);
        Assert.Equal(DaprComponents.PubSub, message.PubsubName);
        Assert.Equal("catalog.price-changed", message.Topic);
        Assert.Equal(CloudEvent.CloudEventsContentType, message.DataContentType);
        Assert.Equal("product-42", message.Metadata["partitionKey"]);
        var received = CloudEvent.FromJson(Encoding.UTF8.GetString(message.Data));
        Assert.Equal(cloudEvent.Id, received.Id);
        Assert.Equal(cloudEvent.TraceParent, received.TraceParent);
        Assert.Equal(42, received.Data.GetProperty("productId").GetInt32());
        Assert.Empty(_runtime.UnimplementedCalls);
    }

    [Fact]
    public async Task Publish_without_partition_key_sends_no_partition_metadata_against_the_test_double()
    {
        var publisher = new DaprEventPublisher(_client, new EventBusMetrics(_services.GetRequiredService<IMeterFactory>()));
        var cloudEvent = new CloudEvent
        {
            Id = "1", Source = "catalog", Type = "catalog.changed", Time = DateTimeOffset.UtcNow,
            Data = JsonSerializer.SerializeToElement(new { }),
        };

        await publisher.PublishAsync(cloudEvent, CancellationToken.None);

        Assert.DoesNotContain("partitionKey", Assert.Single(_runtime.Published).Metadata.Keys);
    }

    [Fact]
    public async Task State_save_get_delete_follow_ETags_and_a_stale_ETag_throws_against_the_test_double()
    {
        IStateStore store = new DaprStateStore(_client);

        Assert.Null(await store.GetAsync<Cart>("cart-1"));
        var first = await store.SaveAsync("cart-1", new Cart(["apple"]));
        var read = await store.GetAsync<Cart>("cart-1");
        Assert.NotNull(read);
        Assert.Equal(["apple"], read.Value.Items);
        Assert.Equal(first, read.ETag);

        var second = await store.SaveAsync("cart-1", new Cart(["apple", "pear"]), first);
        Assert.NotEqual(first, second);
        Assert.Equal(second, (await store.GetAsync<Cart>("cart-1"))!.ETag);

        var stale = await Assert.ThrowsAsync<StateConcurrencyException>(() => store.SaveAsync("cart-1", new Cart([]), first));
        Assert.Equal("cart-1", stale.Key);
        Assert.Equal(["apple", "pear"], (await store.GetAsync<Cart>("cart-1"))!.Value.Items);
        await Assert.ThrowsAsync<StateConcurrencyException>(() => store.DeleteAsync("cart-1", first));
        await Assert.ThrowsAsync<StateConcurrencyException>(() => store.SaveAsync("cart-absent", new Cart([]), "1"));

        Assert.True(await store.DeleteAsync("cart-1", second));
        Assert.Null(await store.GetAsync<Cart>("cart-1"));
        Assert.False(await store.DeleteAsync("cart-1"));

        await store.SaveAsync("cart-2", new Cart([]));
        Assert.True(await store.DeleteAsync("cart-2"));
        Assert.Empty(_runtime.UnimplementedCalls);
    }

    [Fact]
    public async Task Lock_is_exclusive_and_only_its_owner_releases_it_against_the_test_double()
    {
        IDistributedLock locks = new DaprDistributedLock(_client);

        Assert.True(await locks.TryAcquireAsync("job", "a", TimeSpan.FromSeconds(30)));
        Assert.False(await locks.TryAcquireAsync("job", "b", TimeSpan.FromSeconds(30)));
        Assert.Equal(LockRelease.HeldByAnotherOwner, await locks.ReleaseAsync("job", "b"));
        Assert.Equal(LockRelease.Released, await locks.ReleaseAsync("job", "a"));
        Assert.Equal(LockRelease.NotHeld, await locks.ReleaseAsync("job", "a"));
        Assert.True(await locks.TryAcquireAsync("job", "b", TimeSpan.FromSeconds(30)));
        Assert.Empty(_runtime.UnimplementedCalls);
    }

    [Fact]
    public async Task Lock_frees_itself_when_its_lease_expires_against_the_test_double()
    {
        IDistributedLock locks = new DaprDistributedLock(_client);
        Assert.True(await locks.TryAcquireAsync("sku-7", "a", TimeSpan.FromSeconds(1)));
        Assert.False(await locks.TryAcquireAsync("sku-7", "b", TimeSpan.FromSeconds(1)));

        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        var acquired = false;
        while (!acquired && DateTimeOffset.UtcNow < deadline)
        {
            acquired = await locks.TryAcquireAsync("sku-7", "b", TimeSpan.FromSeconds(1));
        }

        Assert.True(acquired, "The lock was still held 10 s after its 1 s lease.");
    }

    [Fact]
    public async Task Lock_renew_is_not_supported_by_Dapr_against_the_test_double()
    {
        IDistributedLock locks = new DaprDistributedLock(_client);
        Assert.True(await locks.TryAcquireAsync("job", "a", TimeSpan.FromSeconds(30)));

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => locks.RenewAsync("job", "a", TimeSpan.FromSeconds(30)));
        Assert.Contains("renew", error.Message);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(200, 1)]
    [InlineData(1000, 1)]
    [InlineData(1200, 2)]
    [InlineData(15000, 15)]
    public void Lease_is_whole_seconds_rounded_up_and_at_least_one(int milliseconds, int seconds) =>
        Assert.Equal(seconds, DaprDistributedLock.LeaseSeconds(TimeSpan.FromMilliseconds(milliseconds)));

    private sealed record Cart(string[] Items);
}
