using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// The AppHost where a daprd exists: a test double of the executable (tests/DaprdDouble; no daprd on this
/// machine) given as Dapr:DaprdPath. Each Dapr app starts beside its own sidecar, the sidecar reaches the app on
/// the app's port with the app API token, and the app answers in Dapr mode (a service's /dapr/subscribe, which the
/// native mode does not map, lists its topics). The function apps announce nothing, as under the Functions host: their
/// sidecars load the declarative subscriptions of dapr/subscriptions, and every sidecar the Resiliency of dapr/.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public class DaprSidecarTests : IAsyncLifetime
{
    private static readonly string Configuration = typeof(DaprSidecarTests).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
        .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration;

    // Topics each service subscribes to through /dapr/subscribe.
    private static readonly Dictionary<string, string[]> Topics = new()
    {
        ["basket"] = ["ordering.order-submitted"],
        ["catalog"] = ["inventory.stock-changed"],
        ["identity"] = [],
        ["ordering"] = ["identity.user-registered", "workflow.order-status-changed"],
    };

    // Topics each function app receives at its events/{topic} trigger through a declarative subscription.
    private static readonly Dictionary<string, string[]> FunctionAppTopics = new()
    {
        ["inventory"] = ["catalog.product-created"],
        ["orderworkflow"] = ["inventory.reservation-expired", "ordering.order-cancel-requested", "ordering.order-submitted"],
        ["payment"] = ["workflow.order-status-changed"],
    };

    private readonly string _dataDirectory = PlatformHost.NewDataDirectory();
    private readonly string _daprd = Path.Combine(Path.GetTempPath(), $"daprd-double-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        var double_ = RepositoryFiles.PathOf("tests", "DaprdDouble", "bin", Configuration, "net10.0", "DaprdDouble.dll");
        Assert.True(File.Exists(double_), $"the daprd test double is built: {double_}");
        await File.WriteAllTextAsync(_daprd, $"#!/bin/sh\nexec dotnet \"{double_}\" \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_daprd, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public Task DisposeAsync()
    {
        File.Delete(_daprd);
        PlatformHost.DeleteDataDirectory(_dataDirectory);
        return Task.CompletedTask;
    }

    private sealed record Metadata(string Id, int? SubscribeStatus, JsonElement? Subscriptions, string[] Environment,
        DeclarativeSubscription[] DeclarativeSubscriptions, string[] Resiliency);

    private sealed record DeclarativeSubscription(string Topic, string Route, string PubsubName);

    [Fact]
    public async Task Each_dapr_app_starts_beside_its_sidecar_which_reaches_it_in_dapr_mode_against_a_daprd_test_double()
    {
        await using var app = await PlatformHost.StartAsync(_dataDirectory,
            ["--Dapr:Sidecars=true", $"--Dapr:DaprdPath={_daprd}", PlatformHost.OneCatalogReplica], waitForGateway: false);

        foreach (var (name, topics) in Topics.Concat(FunctionAppTopics))
        {
            using var sidecar = new HttpClient { BaseAddress = app.GetEndpoint($"{name}-dapr", "http") };
            var metadata = await Eventually.UntilAsync(
                async () =>
                {
                    try
                    {
                        return await sidecar.GetFromJsonAsync<Metadata>("/v1.0/metadata", JsonSerializerOptions.Web);
                    }
                    catch (HttpRequestException)
                    {
                        return null; // the sidecar is not listening yet
                    }
                },
                m => m?.SubscribeStatus is not null, PlatformHost.StartTimeout, $"{name}'s sidecar to reach {name}");

            Assert.Equal(name, metadata!.Id);
            Assert.Equal(["REDIS_HOST", "REDIS_PASSWORD", "APP_API_TOKEN"], metadata.Environment);
            Assert.Equal(["ecommerce"], metadata.Resiliency);
            if (FunctionAppTopics.ContainsKey(name))
            {
                Assert.Equal(404, metadata.SubscribeStatus);
                Assert.Equal(topics, metadata.DeclarativeSubscriptions.Select(s => s.Topic).Order(StringComparer.Ordinal));
                Assert.All(metadata.DeclarativeSubscriptions, s => Assert.Equal(("pubsub", $"/api/events/{s.Topic}"), (s.PubsubName, s.Route)));
                continue;
            }

            Assert.Empty(metadata.DeclarativeSubscriptions);
            Assert.Equal(200, metadata.SubscribeStatus);
            var subscriptions = metadata.Subscriptions!.Value.EnumerateArray().ToList();
            Assert.Equal(topics, subscriptions.Select(s => s.GetProperty("topic").GetString()).Order(StringComparer.Ordinal));
            Assert.All(subscriptions, s => Assert.Equal("pubsub", s.GetProperty("pubsubName").GetString()));
            Assert.All(subscriptions, s => Assert.Equal($"dapr/events/{s.GetProperty("topic").GetString()}", s.GetProperty("route").GetString()));
        }
    }
}
