using BuildingBlocks.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Payment.Payments;
using TestSupport;

namespace Payment.Tests;

/// <summary>Real PostgreSQL (and Redis for the building blocks) with a migrated payment database.</summary>
public sealed class PaymentFixture : IAsyncLifetime
{
    public LocalServers Servers { get; } = new();

    public IHost Host { get; private set; } = null!;

    private string _database = "";

    public async Task InitializeAsync()
    {
        await Servers.InitializeAsync();
        _database = await Servers.CreateDatabaseAsync();
        Host = await BusHost.StartAsync(Servers, "payment", bus => bus.AddOutbox<PaymentContext>(), services =>
        {
            services.AddDbContext<PaymentContext>(options => options.UseNpgsql(_database));
            services.AddOptions<PaymentProviderOptions>().Configure(o =>
            {
                o.Latency = TimeSpan.FromMilliseconds(1);
                o.AttemptTimeout = TimeSpan.FromMilliseconds(300);
                o.MaxAttempts = 8;
            });
            services.AddSingleton<SimulatedPaymentProvider>();
            services.AddScoped<PaymentService>();
        });
        await new DatabaseMigrator<PaymentContext>(Host.Services).StartAsync(default);
    }

    public async Task DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        await Servers.DisposeAsync();
    }

    public async Task<T> WithPaymentsAsync<T>(Func<PaymentService, Task<T>> work)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<PaymentService>());
    }

    /// <summary>What the provider itself recorded for an order, by kind.</summary>
    public async Task<List<ProviderRecord>> ProviderRecordsAsync(Guid orderId)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentContext>();
        var suffix = ":" + orderId;
        return await db.ProviderRecords.AsNoTracking().Where(r => r.IdempotencyKey.EndsWith(suffix)).ToListAsync();
    }
}
