using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BuildingBlocks.Dapr;
using BuildingBlocks.EventBus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TestSupport;

namespace BuildingBlocks.Tests.Dapr;

/// <summary>
/// The app side of Dapr pub/sub on a real Kestrel server, with the test playing the sidecar:
/// it reads <c>/dapr/subscribe</c> and posts CloudEvents the way daprd delivers them.
/// </summary>
public sealed class DaprSubscriptionEndpointsTests : IAsyncLifetime
{
    private const string AppToken = "sidecar-app-token";
    private readonly ReceivedEvents _received = new();
    private WebApplication _app = null!;
    private HttpClient _sidecar = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        // Event routes admit the sidecar by its app API token, as in production.
        builder.Configuration["APP_API_TOKEN"] = AppToken;
        builder.Configuration["Jwt:PublicKey"] = TestKeys.PublicKeyOf(TestKeys.NewPrivateKey());
        builder.AddDefaultAuthentication();
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<EventBusMetrics>();
        builder.Services.AddSingleton<EventDispatcher>();
        builder.Services.AddSingleton(_received);
        builder.Services.AddScoped<RecordingHandler>();
        builder.Services.AddScoped<FailingHandler>();
        var subscriptions = new EventSubscriptions();
        subscriptions.Add(Subscription.Create<ItemAdded, RecordingHandler>());
        subscriptions.Add(Subscription.Create<ItemRejected, FailingHandler>());
        builder.Services.AddSingleton(subscriptions);

        _app = builder.Build();
        _app.MapDaprEventSubscriptions();
        await _app.StartAsync();
        _sidecar = new HttpClient { BaseAddress = new Uri(_app.Urls.Single()) };
        _sidecar.DefaultRequestHeaders.Add("dapr-api-token", AppToken);
    }

    public async Task DisposeAsync()
    {
        _sidecar.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Subscribe_lists_each_topic_with_its_route_pubsub_and_dead_letter_topic()
    {
        var subscriptions = await _sidecar.GetFromJsonAsync<JsonArray>("/dapr/subscribe");

        Assert.NotNull(subscriptions);
        Assert.Equal(2, subscriptions.Count);
        var itemAdded = Assert.Single(subscriptions, s => (string?)s!["topic"] == "test.item-added")!;
        Assert.Equal(DaprComponents.PubSub, (string?)itemAdded["pubsubName"]);
        Assert.Equal("dapr/events/test.item-added", (string?)itemAdded["route"]);
        Assert.Equal("test.item-added.deadletter", (string?)itemAdded["deadLetterTopic"]);
    }

    [Fact]
    public async Task Delivery_posted_as_daprd_would_reaches_the_handler_and_answers_SUCCESS()
    {
        var added = new ItemAdded("apple");
        using var response = await DeliverAsync("test.item-added", AsDaprdDelivers(CloudEvent.Create(added, "basket")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("SUCCESS", await StatusOf(response));
        var handled = Assert.Single(_received.Events);
        Assert.Equal(added.Id, handled.Id);
        Assert.Equal("apple", handled.Item);
    }

    [Fact]
    public async Task Delivery_whose_handler_throws_answers_500_RETRY()
    {
        using var response = await DeliverAsync("test.item-rejected", AsDaprdDelivers(CloudEvent.Create(new ItemRejected(), "basket")));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("RETRY", await StatusOf(response));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"specversion":"1.0"}""")]
    public async Task Unreadable_delivery_answers_DROP_so_Dapr_dead_letters_it(string body)
    {
        using var response = await DeliverAsync("test.item-added", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("DROP", await StatusOf(response));
        Assert.Empty(_received.Events);
    }

    // daprd delivers the published envelope with fields of its own added.
    private static string AsDaprdDelivers(CloudEvent cloudEvent)
    {
        var json = JsonNode.Parse(cloudEvent.ToJson())!.AsObject();
        json["pubsubname"] = DaprComponents.PubSub;
        json["topic"] = cloudEvent.Topic;
        json["traceid"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        return json.ToJsonString();
    }

    private Task<HttpResponseMessage> DeliverAsync(string topic, string body)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(CloudEvent.CloudEventsContentType);
        return _sidecar.PostAsync($"/dapr/events/{topic}", content);
    }

    private static async Task<string?> StatusOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();

    [EventTopic("test.item-added")]
    public sealed record ItemAdded(string Item) : IntegrationEvent;

    [EventTopic("test.item-rejected")]
    public sealed record ItemRejected : IntegrationEvent;

    public sealed class ReceivedEvents
    {
        private readonly ConcurrentQueue<ItemAdded> _events = new();

        public IReadOnlyCollection<ItemAdded> Events => [.. _events];

        public void Add(ItemAdded @event) => _events.Enqueue(@event);
    }

    public sealed class RecordingHandler(ReceivedEvents received) : IIntegrationEventHandler<ItemAdded>
    {
        public Task HandleAsync(ItemAdded @event, CancellationToken cancellationToken)
        {
            received.Add(@event);
            return Task.CompletedTask;
        }
    }

    public sealed class FailingHandler : IIntegrationEventHandler<ItemRejected>
    {
        public Task HandleAsync(ItemRejected @event, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The handler failed.");
    }
}
