using BuildingBlocks.Dapr;
using YamlDotNet.Serialization;

namespace BuildingBlocks.Tests.Dapr;

/// <summary>
/// The Kubernetes Dapr manifests in <c>dapr/</c> (copied to the test output) agree with the code:
/// component names, component types, resiliency targets and tracing.
/// </summary>
public sealed class DaprYamlTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "dapr");

    private static readonly IReadOnlyList<(string File, Dictionary<object, object> Document)> Manifests =
    [
        .. Directory.EnumerateFiles(Root, "*.yaml", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(file => (Path.GetRelativePath(Root, file), Parse(File.ReadAllText(file)))),
    ];

    [Fact]
    public void Every_manifest_is_a_dapr_resource()
    {
        Assert.NotEmpty(Manifests);
        Assert.All(Manifests, manifest =>
        {
            Assert.Equal("dapr.io/v1alpha1", Get(manifest.Document, "apiVersion"));
            Assert.False(string.IsNullOrEmpty(Get(manifest.Document, "metadata", "name") as string), manifest.File);
        });
    }

    [Fact]
    public void Declarative_subscriptions_route_each_topic_to_the_event_trigger_with_a_dead_letter_topic()
    {
        var subscriptions = Manifests.Where(m => Get(m.Document, "kind") as string == "Subscription").ToList();

        Assert.NotEmpty(subscriptions);
        Assert.All(subscriptions, manifest =>
        {
            var topic = (string)Get(manifest.Document, "spec", "topic")!;
            Assert.Equal(DaprComponents.PubSub, Get(manifest.Document, "spec", "pubsubname"));
            Assert.Equal($"/api/events/{topic}", Get(manifest.Document, "spec", "route"));
            Assert.Equal(DaprComponents.DeadLetterTopic(topic), Get(manifest.Document, "spec", "deadLetterTopic"));
        });
    }

    [Fact]
    public void Components_are_exactly_the_ones_the_code_names()
    {
        Assert.Equal(
            new HashSet<string> { DaprComponents.PubSub, DaprComponents.StateStore, DaprComponents.LockStore, DaprComponents.SecretStore },
            ComponentTypes.Keys.ToHashSet());
    }

    [Theory]
    [InlineData(DaprComponents.PubSub, "pubsub.kafka")]
    [InlineData(DaprComponents.StateStore, "state.redis")]
    [InlineData(DaprComponents.LockStore, "lock.redis")]
    [InlineData(DaprComponents.SecretStore, "secretstores.kubernetes")]
    public void Component_has_the_expected_type(string name, string type) => Assert.Equal(type, ComponentTypes[name]);

    [Fact]
    public void Redis_password_comes_from_the_secret_store()
    {
        foreach (var name in new[] { DaprComponents.StateStore, DaprComponents.LockStore })
        {
            var component = Single("Component", name);
            Assert.Equal(DaprComponents.SecretStore, Get(component, "auth", "secretStore"));
            var password = Assert.Single(List(Get(component, "spec", "metadata")), item => Get(item, "name") as string == "redisPassword");
            Assert.Equal("redis-password", Get(password, "secretKeyRef", "name"));
            Assert.Equal("value", Get(password, "secretKeyRef", "key"));
        }
    }

    [Fact]
    public void Resiliency_targets_only_existing_components_and_defined_policies()
    {
        var resiliency = Single("Resiliency");
        var policies = Map(Get(resiliency, "spec", "policies"));
        var targets = Map(Get(resiliency, "spec", "targets"));

        var components = Map(targets["components"]);
        Assert.Subset(ComponentTypes.Keys.ToHashSet(), components.Keys.Cast<string>().ToHashSet());
        Assert.Contains("inbound", Map(components[DaprComponents.PubSub]).Keys);
        Assert.Contains("outbound", Map(components[DaprComponents.PubSub]).Keys);

        var uses = Map(targets["apps"]).Values.Select(Map)
            .Concat(components.Values.Select(Map).SelectMany(directions => directions.Values.Select(Map)));
        foreach (var use in uses)
        {
            foreach (var (kind, section) in new[] { ("timeout", "timeouts"), ("retry", "retries"), ("circuitBreaker", "circuitBreakers") })
            {
                if (use.TryGetValue(kind, out var policy))
                {
                    Assert.Contains(policy, Map(policies[section]).Keys);
                }
            }
        }

        Assert.All(Map(policies["retries"]).Values.Select(Map), retry =>
        {
            Assert.Equal("exponential", retry["policy"]);
            Assert.Contains("maxInterval", retry.Keys);
            Assert.Contains("maxRetries", retry.Keys);
        });
    }

    [Fact]
    public void Inbound_pubsub_retries_span_at_least_the_native_buses_retry_schedule()
    {
        var resiliency = Single("Resiliency");
        var policyName = (string)Get(resiliency, "spec", "targets", "components", DaprComponents.PubSub, "inbound", "retry")!;
        var retry = Map(Get(resiliency, "spec", "policies", "retries", policyName));
        var maxInterval = ParseDuration((string)retry["maxInterval"]);
        var maxRetries = int.Parse((string)retry["maxRetries"], System.Globalization.CultureInfo.InvariantCulture);
        var schedule = new BuildingBlocks.EventBus.EventBusOptions().RetryDelays();

        // Dapr's exponential back-off: about 0.5 s, growing by half each retry, capped at maxInterval.
        var span = Enumerable.Range(0, maxRetries)
            .Sum(n => Math.Min(0.5 * Math.Pow(1.5, n), maxInterval.TotalSeconds));
        Assert.True(maxInterval >= schedule.Max(), $"maxInterval {maxInterval} is shorter than the schedule's longest delay");
        Assert.True(span >= schedule.Sum(d => d.TotalSeconds), $"the retries span {span} s, less than the native schedule");
    }

    private static TimeSpan ParseDuration(string duration) =>
        BuildingBlocks.EventBus.EventBusOptions.ParseDelays(duration).Single();

    [Fact]
    public void Configuration_traces_everything_to_an_otel_collector()
    {
        var tracing = Get(Single("Configuration"), "spec", "tracing");

        Assert.Equal("1", Get(tracing, "samplingRate"));
        Assert.False(string.IsNullOrEmpty(Get(tracing, "otel", "endpointAddress") as string));
        Assert.Equal("grpc", Get(tracing, "otel", "protocol"));
    }

    private static Dictionary<string, string> ComponentTypes =>
        Manifests.Where(m => Get(m.Document, "kind") as string == "Component")
            .ToDictionary(m => (string)Get(m.Document, "metadata", "name")!, m => (string)Get(m.Document, "spec", "type")!);

    private static Dictionary<object, object> Single(string kind, string? name = null) =>
        Assert.Single(Manifests, m => Get(m.Document, "kind") as string == kind
            && (name is null || Get(m.Document, "metadata", "name") as string == name)).Document;

    private static Dictionary<object, object> Parse(string yaml) =>
        new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(yaml);

    private static object? Get(object? node, params string[] path) =>
        path.Aggregate(node, (current, key) => current is Dictionary<object, object> map ? map.GetValueOrDefault(key) : null);

    private static Dictionary<object, object> Map(object? node) => Assert.IsType<Dictionary<object, object>>(node);

    private static List<object> List(object? node) => Assert.IsType<List<object>>(node);
}
