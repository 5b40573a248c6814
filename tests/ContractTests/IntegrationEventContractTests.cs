using System.Reflection;
using Basket.Api;
using BuildingBlocks.EventBus;
using Catalog.Api;
using FunctionsHost;
using Identity.Api;
using Inventory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Ordering.Api;
using OrderWorkflow;
using Payment;
using TestSupport;
using YamlDotNet.Serialization;

namespace ContractTests;

/// <summary>
/// The integration events of every app, read from the apps themselves: the event types each declares
/// (<c>IntegrationEvents/Events</c>), the subscriptions its real registration makes (<c>AddXxxServices</c>),
/// and the Dapr subscriptions under <c>dapr/subscriptions</c>. A topic with a publisher and no subscriber
/// (or the reverse), a subscriber that reads a field its publisher does not send, or a YAML that names a
/// topic or route the code does not serve fails here, not in a cluster.
/// </summary>
public sealed class IntegrationEventContractTests
{
    private sealed record App(string Name, Assembly Assembly, bool IsFunctionApp, Action<IHostApplicationBuilder> Register);

    private static readonly App[] Apps =
    [
        new("basket", typeof(BasketServiceExtensions).Assembly, false, builder => builder.AddBasketServices()),
        new("catalog", typeof(CatalogServiceExtensions).Assembly, false, builder => builder.AddCatalogServices()),
        new("identity", typeof(IdentityServiceExtensions).Assembly, false, builder => builder.AddIdentityServices()),
        new("ordering", typeof(OrderingServiceExtensions).Assembly, false, builder => builder.AddOrderingServices()),
        new("inventory", typeof(InventoryServiceExtensions).Assembly, true, builder => builder.AddInventoryServices()),
        new("payment", typeof(PaymentServiceExtensions).Assembly, true, builder => builder.AddPaymentServices()),
        new("orderworkflow", typeof(OrderWorkflowServiceExtensions).Assembly, true, builder => builder.AddOrderWorkflowServices()),
    ];

    /// <summary>Each app's subscriptions, as its own registration makes them (nothing is started or connected).</summary>
    private static readonly Dictionary<string, IReadOnlyCollection<Subscription>> Subscriptions =
        Apps.ToDictionary(app => app.Name, SubscriptionsOf);

    private static readonly Dictionary<string, Type[]> Declared = Apps.ToDictionary(app => app.Name, app =>
        app.Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(IntegrationEvent)) && !t.IsAbstract).ToArray());

    /// <summary>Topics an app declares and does not consume: the ones it publishes.</summary>
    private static readonly Dictionary<string, Dictionary<string, Type>> Published = Apps.ToDictionary(app => app.Name, app =>
        Declared[app.Name]
            .Where(type => Subscriptions[app.Name].All(s => s.EventType != type))
            .ToDictionary(IntegrationEvent.TopicOf));

    [Fact]
    public void Every_app_keeps_its_events_in_IntegrationEvents_Events_and_its_handlers_in_EventHandling()
    {
        var misplaced = Apps.SelectMany(app =>
                Declared[app.Name].Where(t => t.Namespace?.EndsWith(".IntegrationEvents.Events", StringComparison.Ordinal) != true)
                    .Concat(Handlers(app).Where(t => t.Namespace?.EndsWith(".IntegrationEvents.EventHandling", StringComparison.Ordinal) != true)))
            .Select(t => t.FullName)
            .ToList();

        Assert.True(misplaced.Count == 0, $"outside the skeleton's folders: {string.Join(", ", misplaced)}");
    }

    [Fact]
    public void Every_event_handler_an_app_declares_is_subscribed_by_its_registration()
    {
        foreach (var app in Apps)
        {
            Assert.Equal(
                Handlers(app).Select(t => t.FullName).Order(StringComparer.Ordinal),
                Subscriptions[app.Name].Select(s => s.HandlerType.FullName).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Every_published_topic_has_a_subscriber_and_every_subscribed_topic_a_publisher()
    {
        var publishedTopics = Published.SelectMany(p => p.Value.Keys.Select(topic => (Topic: topic, App: p.Key))).ToList();
        var subscribedTopics = Subscriptions.SelectMany(s => s.Value.Select(sub => (sub.Topic, App: s.Key))).ToList();

        var unheard = publishedTopics.Where(p => subscribedTopics.All(s => s.Topic != p.Topic)).Select(p => $"{p.Topic} (from {p.App})");
        var unfed = subscribedTopics.Where(s => publishedTopics.All(p => p.Topic != s.Topic)).Select(s => $"{s.Topic} (to {s.App})");

        Assert.True(!unheard.Any() && !unfed.Any(),
            $"published, no subscriber: [{string.Join(", ", unheard)}]; subscribed, no publisher: [{string.Join(", ", unfed)}]");
        var twice = publishedTopics.GroupBy(p => p.Topic).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.True(!twice.Any(), $"published by more than one app: {string.Join(", ", twice)}");
    }

    [Fact]
    public void A_subscriber_reads_only_fields_its_publisher_sends_with_the_same_shape()
    {
        var publishers = Published.Values.SelectMany(p => p).ToDictionary(p => p.Key, p => p.Value);
        foreach (var (app, subscriptions) in Subscriptions)
        {
            foreach (var subscription in subscriptions.Where(s => publishers.ContainsKey(s.Topic)))
            {
                var mismatches = Mismatches(subscription.EventType, publishers[subscription.Topic], subscription.Topic).ToList();
                Assert.True(mismatches.Count == 0, $"{app} reads {subscription.Topic} differently: {string.Join("; ", mismatches)}");
            }
        }
    }

    [Fact]
    public void Every_dapr_subscription_routes_a_topic_its_function_app_subscribes_to_and_serves()
    {
        var yamls = DaprSubscriptions().ToList();
        Assert.NotEmpty(yamls);

        foreach (var (file, topic, route, scopes) in yamls)
        {
            var app = Assert.Single(Apps, a => scopes.Contains(a.Name));
            Assert.True(Subscriptions[app.Name].Any(s => s.Topic == topic), $"{file}: {app.Name} does not subscribe to {topic}");
            Assert.True(app.IsFunctionApp, $"{file}: {app.Name} is a service; services declare their subscriptions at /dapr/subscribe");
            // The route must be one the app's HTTP triggers serve (the Functions host prefixes them with "api/").
            var routes = FunctionAppHost.Describe(app.Assembly).Where(f => f.Trigger == "httpTrigger").Select(f => "/" + f.Route).ToList();
            Assert.True(routes.Any(r => Matches(r, route)), $"{file}: {app.Name} serves no route matching {route} ({string.Join(", ", routes)})");
        }
    }

    [Fact]
    public void Every_topic_a_function_app_subscribes_to_has_its_dapr_subscription()
    {
        // Under the Functions host there is no /dapr/subscribe endpoint: without the YAML, Dapr never delivers.
        var declared = DaprSubscriptions().SelectMany(y => y.Scopes.Select(app => (app, y.Topic))).ToHashSet();
        var missing = Apps.Where(a => a.IsFunctionApp)
            .SelectMany(app => Subscriptions[app.Name].Select(s => (app.Name, s.Topic)))
            .Where(pair => !declared.Contains(pair))
            .ToList();

        Assert.True(missing.Count == 0, $"no dapr/subscriptions YAML for: {string.Join(", ", missing)}");
    }

    private static IReadOnlyCollection<Subscription> SubscriptionsOf(App app)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = app.Name });
        // What the AppHost would pass; nothing here is connected to, only registered.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{app.Name}db"] = "Host=contract-tests;Database=none",
            ["ConnectionStrings:catalogdb"] = "Host=contract-tests;Database=none",
            ["ConnectionStrings:identitydb"] = "Host=contract-tests;Database=none",
            ["ConnectionStrings:orderingdb"] = "Host=contract-tests;Database=none",
            ["ConnectionStrings:inventorydb"] = "Host=contract-tests;Database=none",
            ["ConnectionStrings:paymentdb"] = "Host=contract-tests;Database=none",
            ["ConnectionStrings:workflowdb"] = "Host=contract-tests;Database=none",
            ["ConnectionStrings:redis"] = "contract-tests:6379,abortConnect=false",
            ["Dapr:Enabled"] = "false",
        });
        app.Register(builder);
        var subscriptions = builder.Services.Single(d => d.ServiceType == typeof(EventSubscriptions)).ImplementationInstance;
        return ((EventSubscriptions)subscriptions!).All;
    }

    private static IEnumerable<Type> Handlers(App app) =>
        app.Assembly.GetTypes().Where(t => !t.IsAbstract && t.GetInterfaces()
            .Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IIntegrationEventHandler<>)));

    /// <summary>Where the subscriber's copy of an event reads something the publisher's does not write the same way.</summary>
    private static IEnumerable<string> Mismatches(Type read, Type written, string path)
    {
        if (Element(read) is { } readElement && Element(written) is { } writtenElement)
        {
            foreach (var mismatch in Mismatches(readElement, writtenElement, path + "[]"))
            {
                yield return mismatch;
            }

            yield break;
        }

        if (IsLeaf(read) || IsLeaf(written))
        {
            if (read != written)
            {
                yield return $"{path} is {read.Name} here, {written.Name} when published";
            }

            yield break;
        }

        var sent = Properties(written).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var property in Properties(read))
        {
            if (!sent.TryGetValue(property.Name, out var match))
            {
                yield return $"{path}.{property.Name} is never sent";
                continue;
            }

            foreach (var mismatch in Mismatches(property.PropertyType, match.PropertyType, $"{path}.{property.Name}"))
            {
                yield return mismatch;
            }
        }
    }

    private static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.DeclaringType != typeof(IntegrationEvent));

    private static Type? Element(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && typeof(System.Collections.IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0]
        : null;

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid)
        || type == typeof(DateTimeOffset) || type == typeof(DateTime) || Nullable.GetUnderlyingType(type) is not null;

    private static bool Matches(string template, string route)
    {
        var templateParts = template.Split('/');
        var routeParts = route.Split('/');
        return templateParts.Length == routeParts.Length
            && templateParts.Zip(routeParts).All(p => p.First.StartsWith('{') || string.Equals(p.First, p.Second, StringComparison.Ordinal));
    }

    private static IEnumerable<(string File, string Topic, string Route, string[] Scopes)> DaprSubscriptions()
    {
        var deserializer = new DeserializerBuilder().Build();
        foreach (var file in Directory.EnumerateFiles(RepositoryFiles.PathOf("dapr"), "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var document = deserializer.Deserialize<Dictionary<object, object>>(File.ReadAllText(file));
            if (document.GetValueOrDefault("kind") as string != "Subscription")
            {
                continue;
            }

            var spec = (Dictionary<object, object>)document["spec"];
            var scopes = ((List<object>)document["scopes"]).Cast<string>().ToArray();
            yield return (Path.GetFileName(file), (string)spec["topic"], (string)spec["route"], scopes);
        }
    }
}
