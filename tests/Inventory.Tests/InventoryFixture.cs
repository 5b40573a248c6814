using BuildingBlocks.Outbox;
using Inventory.Data;
using Inventory.Stock;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Inventory.Tests;

/// <summary>Real PostgreSQL and Redis, and a migrated inventory database of the test class's own.</summary>
public sealed class InventoryFixture : IAsyncLifetime
{
    public LocalServers Servers { get; } = new();

    public string Database { get; private set; } = "";

    private ServiceUnderTest<StockReservations>? _inventory;

    /// <summary>The running Inventory app's services (its real registration, Program.cs and all).</summary>
    public IServiceProvider Services => _inventory!.Services;

    public async Task InitializeAsync()
    {
        await Servers.InitializeAsync();
        Database = await Servers.CreateDatabaseAsync();
        _inventory = new ServiceUnderTest<StockReservations>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:inventorydb"] = Database,
            ["ConnectionStrings:redis"] = Servers.RedisConnectionString,
            ["Dapr:Enabled"] = "false",
            ["EventBus:ServiceName"] = "inventory",
            ["Jwt:PublicKey"] = TestKeys.PublicKeyOf(TestKeys.NewPrivateKey()),
            ["Inventory:ReservationTtl"] = "00:15:00",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await _inventory.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_inventory is not null)
        {
            await _inventory.DisposeAsync();
        }

        await Servers.DisposeAsync();
    }

    /// <summary>Runs <paramref name="work"/> with a fresh scope's reservations, as one request would.</summary>
    public async Task<T> WithReservationsAsync<T>(Func<StockReservations, Task<T>> work, TimeSpan? ttl = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var reservations = ttl is null
            ? scope.ServiceProvider.GetRequiredService<StockReservations>()
            : ActivatorUtilities.CreateInstance<StockReservations>(scope.ServiceProvider,
                Microsoft.Extensions.Options.Options.Create(new InventoryOptions { ReservationTtl = ttl.Value }));
        return await work(reservations);
    }

    public InventoryContext NewContext() => new(new DbContextOptionsBuilder<InventoryContext>().UseNpgsql(Database).Options);

    public async Task<int> NewProductAsync(int onHand)
    {
        var productId = Random.Shared.Next(1_000_000, int.MaxValue);
        await WithReservationsAsync(r => r.SetOnHandAsync(productId, onHand, default));
        return productId;
    }

    public async Task<StockLevel> LevelAsync(int productId) => (await WithReservationsAsync(r => r.GetAsync(productId, default)))!;

    public async Task<List<OutboxMessage>> OutboxAsync(string topic)
    {
        await using var db = NewContext();
        return await db.Set<OutboxMessage>().Where(m => m.Topic == topic).ToListAsync();
    }
}
