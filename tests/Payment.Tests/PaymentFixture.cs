using BuildingBlocks.EventBus;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Payment.Data;
using Payment.Payments;
using StackExchange.Redis;
using TestSupport;

namespace Payment.Tests;

/// <summary>Real PostgreSQL (and Redis for the building blocks) with a migrated payment database.</summary>
public sealed class PaymentFixture : IAsyncLifetime
{
    public LocalServers Servers { get; } = new();

    private ServiceUnderTest<PaymentService>? _payment;

    private string _database = "";

    /// <summary>The running Payment app's services (its real registration, Program.cs and all).</summary>
    public IServiceProvider Services => _payment!.Services;

    public async Task InitializeAsync()
    {
        await Servers.InitializeAsync();
        _database = await Servers.CreateDatabaseAsync();
        _payment = new ServiceUnderTest<PaymentService>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:paymentdb"] = _database,
            ["ConnectionStrings:redis"] = Servers.RedisConnectionString,
            ["Dapr:Enabled"] = "false",
            ["EventBus:ServiceName"] = "payment",
            ["PaymentProvider:Latency"] = "00:00:00.001",
            ["PaymentProvider:AttemptTimeout"] = "00:00:00.300",
            ["PaymentProvider:MaxAttempts"] = "8",
            ["Logging:LogLevel:Default"] = "Warning",
            ["EventBus:PollInterval"] = "00:00:00.200",
            ["PaymentReconcileSchedule"] = "*/1 * * * * *",
            ["PaymentReconciliation:Grace"] = "00:00:00",
        });
        await _payment.StartAsync();
        _redis = await ConnectionMultiplexer.ConnectAsync(Servers.RedisConnectionString);
    }

    private ConnectionMultiplexer? _redis;

    /// <summary>Publishes an event on the bus, as the workflow's outbox relay would.</summary>
    public async Task PublishAsync(IntegrationEvent @event, string partitionKey)
    {
        var cloudEvent = CloudEvent.Create(@event, "tests", partitionKey);
        await _redis!.GetDatabase().StreamAddAsync($"events:{cloudEvent.Topic}", "event", cloudEvent.ToJson());
        await _redis.GetSubscriber().PublishAsync(RedisChannel.Literal($"events:{cloudEvent.Topic}:notify"), "");
    }

    /// <summary>Changes a setting of the running app and reloads its configuration (as an operator's edit would).</summary>
    public void Reconfigure(string key, string? value)
    {
        var configuration = (IConfigurationRoot)Services.GetRequiredService<IConfiguration>();
        configuration[key] = value;
        configuration.Reload();
    }

    /// <summary>The provider's own truth about an order's payment.</summary>
    public Task<ProviderPayment?> ProviderPaymentAsync(Guid orderId) =>
        Services.GetRequiredService<SimulatedPaymentProvider>().PaymentAsync(orderId, default);

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_payment is not null)
        {
            await _payment.DisposeAsync();
        }

        await Servers.DisposeAsync();
    }

    public async Task<T> WithPaymentsAsync<T>(Func<PaymentService, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<PaymentService>());
    }

    /// <summary>What the provider itself recorded for an order, by kind.</summary>
    public async Task<List<ProviderRecord>> ProviderRecordsAsync(Guid orderId)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentContext>();
        var suffix = ":" + orderId;
        return await db.ProviderRecords.AsNoTracking().Where(r => r.IdempotencyKey.EndsWith(suffix)).ToListAsync();
    }
}
