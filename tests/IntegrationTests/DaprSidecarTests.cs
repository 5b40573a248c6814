using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// The AppHost where a daprd exists: a test double of the executable (tests/DaprdDouble; no daprd on this
/// machine) given as Dapr:DaprdPath. Each Dapr app starts beside its own sidecar, the sidecar reaches the app on
/// the app's port with the app API token, and the app answers in Dapr mode (its /dapr/subscribe, which the
/// native mode does not map, lists its topics).
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public class DaprSidecarTests : IAsyncLifetime
{
    private static readonly string Configuration = typeof(DaprSidecarTests).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
        .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration;

    // Topics each app subscribes to through /dapr/subscribe; Payment receives its events at its function
    // trigger (a declarative subscription, dapr/subscriptions) and maps no /dapr/subscribe.
    private static readonly Dictionary<string, string[]> Topics = new()
    {
        ["basket"] = ["ordering.order-submitted"],
        ["catalog"] = ["inventory.stock-changed"],
        ["identity"] = [],
        ["inventory"] = ["catalog.product-created"],
        ["ordering"] = ["identity.user-registered", "workflow.order-status-changed"],
        ["orderworkflow"] = ["inventory.reservation-expired", "ordering.order-cancel-requested", "ordering.order-submitted"],
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

    private sealed record Metadata(string Id, int? SubscribeStatus, JsonElement? Subscriptions, string[] Environment);

    [Fact]
    public async Task Each_dapr_app_starts_beside_its_sidecar_which_reaches_it_in_dapr_mode_against_a_daprd_test_double()
    {
        await using var app = await PlatformHost.StartAsync(_dataDirectory,
            ["--Dapr:Sidecars=true", $"--Dapr:DaprdPath={_daprd}", "--Parameters:catalog-replicas=1"], waitForGateway: false);

        foreach (var (name, topics) in Topics.Append(new("payment", [])))
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
            if (name == "payment")
            {
                Assert.Equal(404, metadata.SubscribeStatus);
                continue;
            }

            Assert.Equal(200, metadata.SubscribeStatus);
            var subscriptions = metadata.Subscriptions!.Value.EnumerateArray().ToList();
            Assert.Equal(topics, subscriptions.Select(s => s.GetProperty("topic").GetString()).Order(StringComparer.Ordinal));
            Assert.All(subscriptions, s => Assert.Equal("pubsub", s.GetProperty("pubsubName").GetString()));
            Assert.All(subscriptions, s => Assert.Equal($"dapr/events/{s.GetProperty("topic").GetString()}", s.GetProperty("route").GetString()));
        }
    }
}
