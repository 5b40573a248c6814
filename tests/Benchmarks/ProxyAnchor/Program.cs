// The anchors the catalog read through the gateway is measured against (tests/Benchmarks/item-read.sh):
//   ProxyAnchor backend PORT          a bare minimal API answering GET /api/catalog/items/{id} with a product
//                                     of the catalog's shape, from memory (what a cached read returns);
//   ProxyAnchor proxy PORT BACKEND    a bare YARP proxy, one route to BACKEND (e.g. http://127.0.0.1:5200):
//                                     no authentication, rate limiting, telemetry or service discovery.
// Both on 127.0.0.1, Release, logging at Warning: the cheapest the two hops can be on this machine.
using Yarp.ReverseProxy.Configuration;

if (args is not ["backend", _] and not ["proxy", _, _])
{
    Console.Error.WriteLine("usage: ProxyAnchor backend PORT | ProxyAnchor proxy PORT BACKEND-URL");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
if (args[0] == "backend")
{
    builder.WebHost.UseUrls($"http://127.0.0.1:{args[1]}");
    var app = builder.Build();
    app.MapGet("/api/catalog/items/{id:int}", (int id) => TypedResults.Json(
        new Product(id, "Trail Runner 2", "A light shoe for long runs on rough ground.", 129.99m, 1, 1, 42),
        AnchorJson.Default.Product));
    await app.RunAsync();
}
else
{
    builder.WebHost.UseUrls($"http://127.0.0.1:{args[1]}");
    builder.Services.AddReverseProxy().LoadFromMemory(
        [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "/{**rest}" } }],
        [new ClusterConfig
        {
            ClusterId = "backend",
            Destinations = new Dictionary<string, DestinationConfig> { ["one"] = new() { Address = args[2] } },
        }]);
    var app = builder.Build();
    app.MapReverseProxy();
    await app.RunAsync();
}

return 0;

/// <summary>A product as the catalog's API shows it.</summary>
internal sealed record Product(int Id, string Name, string Description, decimal Price, int CategoryId, int BrandId, int AvailableStock);

[System.Text.Json.Serialization.JsonSerializable(typeof(Product))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
internal sealed partial class AnchorJson : System.Text.Json.Serialization.JsonSerializerContext;
