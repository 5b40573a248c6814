using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// Stands in for daprd where none is installed. It takes daprd's command line, listens where daprd would
// (HTTP API on --dapr-http-port, gRPC API on --dapr-grpc-port), answers Dapr's health and metadata endpoints,
// and does what daprd does first: asks its app, on --app-port and with the app API token, for the app's
// subscriptions (GET /dapr/subscribe), and loads the resources of its --resources-path folders: the declarative
// subscriptions scoped to its app and the Resiliency policies, reported by its metadata endpoint. It delivers no
// event and stores nothing.
string Argument(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault()
    ?? throw new ArgumentException($"daprd double: {name} is missing");

var appId = Argument("--app-id");
var appPort = int.Parse(Argument("--app-port"), System.Globalization.CultureInfo.InvariantCulture);
var httpPort = int.Parse(Argument("--dapr-http-port"), System.Globalization.CultureInfo.InvariantCulture);
var grpcPort = int.Parse(Argument("--dapr-grpc-port"), System.Globalization.CultureInfo.InvariantCulture);

var resources = LoadResources(args.Select((arg, i) => (arg, i)).Where(a => a.arg == "--resources-path").Select(a => args[a.i + 1]));

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.ListenLocalhost(httpPort, listen => listen.Protocols = HttpProtocols.Http1);
    kestrel.ListenLocalhost(grpcPort, listen => listen.Protocols = HttpProtocols.Http2);
});
var app = builder.Build();

var subscribe = new TaskCompletionSource<(int Status, JsonElement? Body)>(TaskCreationOptions.RunContinuationsAsynchronously);
app.MapGet("/v1.0/healthz", () => Results.NoContent());
app.MapGet("/v1.0/healthz/outbound", () => Results.NoContent());
app.MapGet("/v1.0/metadata", () => Results.Json(new
{
    id = appId,
    appConnectionProperties = new { port = appPort, protocol = "http" },
    // What the app answered to GET /dapr/subscribe (null until it answered).
    subscribeStatus = subscribe.Task.IsCompletedSuccessfully ? subscribe.Task.Result.Status : (int?)null,
    subscriptions = subscribe.Task.IsCompletedSuccessfully ? subscribe.Task.Result.Body : null,
    // The declarative subscriptions for this app, and the Resiliency resources, from --resources-path.
    declarativeSubscriptions = resources.Subscriptions,
    resiliency = resources.Resiliency,
    // What the AppHost gave this sidecar for its components, by name only (values are secrets).
    environment = new[] { "REDIS_HOST", "REDIS_PASSWORD", "APP_API_TOKEN" }.Where(v => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v))),
}));

app.Lifetime.ApplicationStarted.Register(() => _ = AskForSubscriptionsAsync(app.Lifetime.ApplicationStopping));
app.Run();

// daprd waits for its app's port, then reads the subscriptions once.
async Task AskForSubscriptionsAsync(CancellationToken stopping)
{
    using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{appPort}") };
    if (Environment.GetEnvironmentVariable("APP_API_TOKEN") is { Length: > 0 } token)
    {
        http.DefaultRequestHeaders.Add("dapr-api-token", token);
    }

    while (!stopping.IsCancellationRequested)
    {
        try
        {
            using var response = await http.GetAsync("/dapr/subscribe", stopping);
            subscribe.TrySetResult(((int)response.StatusCode,
                response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(stopping) : null));
            return;
        }
        catch (HttpRequestException)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), stopping); // the app is not listening yet
        }
    }
}

// Every YAML document of the folders, as daprd loads them: Subscriptions apply to the apps in their scopes
// (all apps when none), Resiliency to every app here (the platform's has no scopes).
(List<object> Subscriptions, List<string> Resiliency) LoadResources(IEnumerable<string> folders)
{
    var yaml = new YamlDotNet.Serialization.DeserializerBuilder().Build();
    var subscriptions = new List<object>();
    var resiliency = new List<string>();
    foreach (var file in folders.SelectMany(folder => Directory.EnumerateFiles(folder, "*.yaml")).Order(StringComparer.Ordinal))
    {
        var document = yaml.Deserialize<Dictionary<string, object>>(File.ReadAllText(file));
        var name = (string)((Dictionary<object, object>)document["metadata"])["name"];
        switch (document["kind"])
        {
            case "Subscription":
                var scopes = document.TryGetValue("scopes", out var s) && s is List<object> list ? list.Cast<string>().ToList() : [];
                if (scopes.Count == 0 || scopes.Contains(appId))
                {
                    var spec = (Dictionary<object, object>)document["spec"];
                    subscriptions.Add(new { topic = spec["topic"], route = spec["route"], pubsubName = spec["pubsubname"] });
                }

                break;
            case "Resiliency":
                resiliency.Add(name);
                break;
        }
    }

    return (subscriptions, resiliency);
}
