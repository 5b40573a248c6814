using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Payment.Data;
using Payment.Payments;
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
        });
        await _payment.StartAsync();
    }

    public async Task DisposeAsync()
    {
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
