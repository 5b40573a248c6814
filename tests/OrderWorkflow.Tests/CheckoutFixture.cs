using System.Net;
using System.Net.Http.Json;
using BuildingBlocks.EventBus;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrderWorkflow.Data;
using OrderWorkflow.IntegrationEvents.Events;
using OrderWorkflow.Saga;
using StackExchange.Redis;
using TestSupport;

namespace OrderWorkflow.Tests;

/// <summary>
/// The checkout back end as three processes' worth of code: Inventory, Payment and OrderWorkflow each
/// run as their own plain function-app host on Kestrel (127.0.0.1), with their own database on a real
/// PostgreSQL, talking over HTTP (service discovery configuration) and the Redis Streams bus.
/// </summary>
public class CheckoutFixture : IAsyncLifetime
{
    public LocalServers Servers { get; } = new();

    public HttpClient Inventory { get; private set; } = null!;
    public HttpClient Payment { get; private set; } = null!;

    private readonly Dictionary<string, string> _databases = [];
    // Identity's private key stays with the test (and its token-endpoint double); the apps get only the public key.
    private readonly JwtSettings _jwt = TestKeys.NewSettings();
    private readonly TokenEndpointDouble _tokens;
    // Chosen when each app first starts, not at construction: a port found free and left unbound while
    // PostgreSQL starts can be taken meanwhile (another test's server, an outgoing connection's source
    // port). A restart keeps its port: the other apps were told it.
    private readonly AppPort _inventoryPort = new();
    private readonly AppPort _workflowPort = new();
    private readonly AppPort _paymentPort = new();
    private OrderingTestDouble _ordering = null!;
    private IAsyncDisposable? _inventory;
    private ServiceUnderTest<Payment.Payments.PaymentService>? _payment;
    private IAsyncDisposable? _workflow;
    private ConnectionMultiplexer _redis = null!;

    public CheckoutFixture() => _tokens = new TokenEndpointDouble(_jwt);

    /// <summary>The app API token the workflow expects from its Dapr sidecar (APP_API_TOKEN).</summary>
    public const string DaprAppToken = "checkout-tests-dapr-app-api-token";

    /// <summary>The test's signing settings, to mint user and service tokens the apps accept.</summary>
    public JwtSettings Jwt => _jwt;

    /// <summary>Client-credential token requests the workflow made so far.</summary>
    public int TokenRequests => _tokens.Requests;

    public async Task InitializeAsync()
    {
        await Servers.InitializeAsync();
        await _tokens.StartAsync();
        foreach (var name in new[] { "inventorydb", "paymentdb", "workflowdb" })
        {
            _databases[name] = await Servers.CreateDatabaseAsync();
        }

        _redis = await ConnectionMultiplexer.ConnectAsync(Servers.RedisConnectionString);
        _ordering = await OrderingTestDouble.StartAsync(_jwt);
        await StartInventoryAsync();
        await StartPaymentAsync();
        await StartWorkflowAsync();
        // Stock levels are the administrator's (Inventory checks the token itself).
        Inventory = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_inventoryPort}") };
        Inventory.DefaultRequestHeaders.Authorization = new("Bearer", AccessTokens.Mint(_jwt, "checkout-tests-admin", "admin", DateTime.UtcNow.AddHours(2)));
        Payment = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_paymentPort}") };
        Payment.DefaultRequestHeaders.Authorization = new("Bearer", AccessTokens.MintService(_jwt, "orderworkflow", "payment", DateTime.UtcNow.AddHours(2)));
    }

    public async Task DisposeAsync()
    {
        foreach (var app in new[] { _workflow, _payment, _inventory })
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }

        await _ordering.DisposeAsync();
        await _redis.DisposeAsync();
        await _tokens.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await Servers.DisposeAsync();
    }

    private Dictionary<string, string?> Common(string service) => new()
    {
        ["ConnectionStrings:redis"] = Servers.RedisConnectionString,
        ["Dapr:Enabled"] = "false",
        ["EventBus:ServiceName"] = service,
        ["EventBus:PollInterval"] = "00:00:00.200",
        ["EventBus:OutboxPollInterval"] = "00:00:00.050",
        // Entries a stopped app had read and not acknowledged are taken over after this, as a runner's saga
        // after its lease: the restart tests wait for both, and neither needs production's 30 s to show it.
        ["EventBus:ClaimIdleTime"] = "00:00:02",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Jwt:PublicKey"] = TestKeys.PublicKeyOf(_jwt.SigningKey!),
        ["Jwt:KeyId"] = _jwt.KeyId,
    };

    /// <summary>An app's loopback port: free when chosen, and kept once the app has listened on it.</summary>
    private sealed class AppPort
    {
        public int Number { get; private set; }

        public int Choose() => Number = Bound ? Number : LocalServers.FreePort();

        public bool Bound { get; set; }

        public override string ToString() => Number.ToString();
    }

    /// <summary>Starts the app of <typeparamref name="TApp"/>'s assembly (its own Program.cs) on <paramref name="port"/>.</summary>
    private async Task<IAsyncDisposable> StartAsync<TApp>(string service, AppPort port, Dictionary<string, string?> settings) where TApp : class
    {
        var configuration = Common(service);
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        for (var attempt = 1; ; attempt++)
        {
            var number = port.Choose();
            var app = new ServiceUnderTest<TApp>(configuration, kestrel => kestrel.Listen(IPAddress.Loopback, number));
            try
            {
                await app.StartAsync();
                port.Bound = true;
                return app;
            }
            catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException && !port.Bound && attempt < 5)
            {
                // Taken between the choice and the bind, before any other app was told it: take another.
                await app.DisposeAsync();
            }
        }
    }

    public async Task StartInventoryAsync() =>
        _inventory = await StartAsync<Inventory.Stock.StockReservations>("inventory", _inventoryPort, new()
        {
            ["ConnectionStrings:inventorydb"] = _databases["inventorydb"],
            ["InventorySweepSchedule"] = "*/1 * * * * *",
            ["Inventory:ReservationTtl"] = ReservationTtl.ToString(),
        });

    public async Task StartPaymentAsync() =>
        _payment = (ServiceUnderTest<Payment.Payments.PaymentService>)await StartAsync<Payment.Payments.PaymentService>("payment", _paymentPort, new()
        {
            ["ConnectionStrings:paymentdb"] = _databases["paymentdb"],
            ["PaymentProvider:Latency"] = ProviderLatency.ToString(),
            ["PaymentProvider:AttemptTimeout"] = (ProviderLatency + TimeSpan.FromMilliseconds(300)).ToString(),
            ["PaymentProvider:MaxAttempts"] = "6",
        });

    public async Task StartWorkflowAsync() =>
        _workflow = await StartAsync<SagaRunner>("orderworkflow", _workflowPort, new(_tokens.CallerSettings("orderworkflow"))
        {
            ["APP_API_TOKEN"] = DaprAppToken,
            ["ConnectionStrings:workflowdb"] = _databases["workflowdb"],
            ["services:inventory:http:0"] = $"http://127.0.0.1:{_inventoryPort}",
            ["services:payment:http:0"] = $"http://127.0.0.1:{_paymentPort}",
            ["services:ordering:http:0"] = _ordering.Address,
            ["WorkflowSchedule"] = "*/1 * * * * *",
            ["OrderWorkflow:StepTimeout"] = StepTimeout.ToString(),
            ["OrderWorkflow:Lease"] = Lease.ToString(),
            ["OrderWorkflow:RetryBaseDelay"] = "00:00:00.050",
            ["OrderWorkflow:RetryMaxDelay"] = "00:00:00.500",
        });

    /// <summary>Reservations of the fixture's inventory expire after this (the sweeper runs every second).</summary>
    protected virtual TimeSpan ReservationTtl => TimeSpan.FromMinutes(10);

    /// <summary>How long a runner holds a saga without renewing it.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    /// <summary>How long the simulated card provider takes to answer each call.</summary>
    protected virtual TimeSpan ProviderLatency => TimeSpan.FromMilliseconds(2);

    /// <summary>A forward step failing for longer than this is a timeout: the order is compensated.</summary>
    protected virtual TimeSpan StepTimeout => TimeSpan.FromSeconds(4);

    public async Task StopWorkflowAsync()
    {
        await _workflow!.DisposeAsync();
        _workflow = null;
    }

    public async Task StopPaymentAsync()
    {
        await _payment!.DisposeAsync();
        _payment = null;
    }

    /// <summary>Places an order as Ordering does: its payment token where the saga fetches it, its OrderSubmitted on the bus.</summary>
    public async Task SubmitAsync(OrderSubmitted submitted, string paymentToken)
    {
        _ordering.PaymentTokens[submitted.OrderId] = paymentToken;
        await PublishAsync(submitted, submitted.OrderId.ToString());
    }

    /// <summary>Holds the answer to the saga's next payment-token request of the order, right before it pays.</summary>
    public OrderingTestDouble.HeldAnswer HoldPaymentToken(Guid orderId) => _ordering.Hold(orderId);

    /// <summary>Keeps an order's payment token where the saga fetches it (Ordering's internal route).</summary>
    public void RecordPaymentToken(Guid orderId, string paymentToken) => _ordering.PaymentTokens[orderId] = paymentToken;

    /// <summary>Publishes an event on the bus, as Ordering's outbox relay would.</summary>
    public async Task PublishAsync(IntegrationEvent @event, string partitionKey)
    {
        var cloudEvent = CloudEvent.Create(@event, "tests", partitionKey);
        await _redis.GetDatabase().StreamAddAsync($"events:{cloudEvent.Topic}", "event", cloudEvent.ToJson());
        await _redis.GetSubscriber().PublishAsync(RedisChannel.Literal($"events:{cloudEvent.Topic}:notify"), "");
    }

    public async Task<int> NewProductAsync(int onHand)
    {
        var productId = Random.Shared.Next(1_000_000, int.MaxValue);
        (await Inventory.PutAsJsonAsync($"/api/inventory/{productId}", new { onHand })).EnsureSuccessStatusCode();
        return productId;
    }

    public sealed record StockLevel(int ProductId, int OnHand, int Reserved, int Available);

    public async Task<StockLevel> StockAsync(int productId) => (await Inventory.GetFromJsonAsync<StockLevel>($"/api/inventory/{productId}"))!;

    /// <summary>A client of the OrderWorkflow app's HTTP triggers (as the Dapr sidecar calls them under the Functions host).</summary>
    public HttpClient WorkflowClient(bool asDaprSidecar = true)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_workflowPort}") };
        if (asDaprSidecar)
        {
            client.DefaultRequestHeaders.Add("dapr-api-token", DaprAppToken);
        }

        return client;
    }

    public Uri InventoryAddress => new($"http://127.0.0.1:{_inventoryPort}");

    public Uri PaymentAddress => new($"http://127.0.0.1:{_paymentPort}");

    /// <summary>The simulated payment provider of the running Payment host (its outage switch, its own records).</summary>
    public Payment.Payments.SimulatedPaymentProvider PaymentProvider() =>
        (Payment.Payments.SimulatedPaymentProvider)_payment!.Services.GetService(typeof(Payment.Payments.SimulatedPaymentProvider))!;

    public WorkflowContext Workflow() => new(new DbContextOptionsBuilder<WorkflowContext>().UseNpgsql(_databases["workflowdb"]).Options);

    public Payment.Data.PaymentContext Payments() =>
        new(new DbContextOptionsBuilder<Payment.Data.PaymentContext>().UseNpgsql(_databases["paymentdb"]).Options);

    /// <summary>Waits until every given order's saga has finished, and returns them.</summary>
    public async Task<List<OrderSaga>> FinishedAsync(IReadOnlyCollection<Guid> orders, TimeSpan timeout)
    {
        List<OrderSaga> sagas = [];
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                await using var db = Workflow();
                sagas = await db.Sagas.AsNoTracking().Where(s => orders.Contains(s.OrderId)).ToListAsync();
                return sagas.Count == orders.Count && sagas.All(s => s.Step.IsFinished());
            }, "every saga to finish", timeout);
        }
        catch (TimeoutException)
        {
            var open = sagas.Where(s => !s.Step.IsFinished()).Select(s => $"{s.OrderId}:{s.Step}:{s.LastError}");
            throw new TimeoutException($"{sagas.Count}/{orders.Count} sagas started; unfinished: {string.Join(", ", open.Take(5))}");
        }

        return sagas;
    }

}

/// <summary>A step timeout well above what a step's failed attempts take, so a test can tell what counts toward it.</summary>
public sealed class LongStepTimeoutFixture : CheckoutFixture
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(8);

    protected override TimeSpan StepTimeout => Timeout;
}

/// <summary>A card provider slower than the saga's lease: each payment step outlasts it.</summary>
public sealed class SlowProviderFixture : CheckoutFixture
{
    protected override TimeSpan ProviderLatency => Lease + Lease / 2;
}

/// <summary>Reservations that expire long before a stuck payment step would time out.</summary>
public sealed class ShortReservationFixture : CheckoutFixture
{
    protected override TimeSpan ReservationTtl => TimeSpan.FromSeconds(2);

    protected override TimeSpan StepTimeout => TimeSpan.FromMinutes(5);
}
