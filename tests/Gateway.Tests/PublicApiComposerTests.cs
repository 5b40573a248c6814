using System.Text.Json.Nodes;
using Gateway.OpenApi;

namespace Gateway.Tests;

/// <summary>The composition of the public document from routes and backend documents, without I/O.</summary>
public class PublicApiComposerTests
{
    private static readonly PublicApiComposer.Header Header = new("Public", "The public API.", "MIT", "MIT");

    private static GatewayRoute Route(string id, string cluster, string pattern, string[]? methods = null, bool secured = false,
        string[]? roles = null, string? removedPrefix = null, int order = 0) =>
        new(id, cluster, pattern, methods ?? [], order, secured, roles ?? [], HasTimeout: true, LimitsBody: true, removedPrefix);

    private static JsonObject Backend(params (string Path, string Method, string OperationId, JsonArray? Security)[] operations)
    {
        var paths = new JsonObject();
        foreach (var (path, method, id, security) in operations)
        {
            var item = paths[path] as JsonObject ?? [];
            paths[path] = item;
            item[method] = new JsonObject
            {
                ["operationId"] = id,
                ["summary"] = id,
                ["tags"] = new JsonArray("Things"),
                ["responses"] = new JsonObject
                {
                    ["200"] = new JsonObject
                    {
                        ["description"] = "OK",
                        ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/Thing" } } },
                    },
                },
                ["security"] = security ?? [],
            };
        }

        return new JsonObject
        {
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject { ["Thing"] = new JsonObject { ["type"] = "object" }, ["Unused"] = new JsonObject { ["type"] = "string" } } },
            ["tags"] = new JsonArray(new JsonObject { ["name"] = "Things", ["description"] = "Things." }),
        };
    }

    private static JsonArray Bearer(params string[] roles) => new(new JsonObject { ["Bearer"] = new JsonArray([.. roles.Select(r => (JsonNode)r)]) });

    [Fact]
    public void Only_operations_a_route_forwards_to_their_backend_are_public_and_the_most_specific_route_decides()
    {
        GatewayRoute[] routes =
        [
            Route("things-login", "things", "/api/things/login", ["POST"]),
            Route("things", "things", "/api/things/{**rest}", secured: true),
        ];
        var backend = Backend(
            ("/api/things/login", "post", "Login", null),
            ("/api/things/{id}", "get", "GetThing", null),
            ("/internal/things", "post", "Internal", null));

        var document = PublicApiComposer.Compose(Header, routes, new Dictionary<string, JsonObject> { ["things"] = backend }, []);

        var paths = document["paths"]!.AsObject();
        Assert.Equal(["/api/things/login", "/api/things/{id}"], paths.Select(p => p.Key));
        Assert.Equal("things-login", paths["/api/things/login"]!["post"]!["x-gateway-route"]!.GetValue<string>());
        Assert.Empty(paths["/api/things/login"]!["post"]!["security"]!.AsArray());
        Assert.True(JsonNode.DeepEquals(Bearer(), paths["/api/things/{id}"]!["get"]!["security"]));
        Assert.NotNull(paths["/api/things/{id}"]!["get"]!["responses"]!["401"]);
        Assert.NotNull(paths["/api/things/login"]!["post"]!["responses"]!["429"]!["headers"]!["Retry-After"]);
        Assert.Equal(["ProblemDetails", "Thing"], document["components"]!["schemas"]!.AsObject().Select(s => s.Key).Order());
    }

    [Fact]
    public void Security_is_the_stricter_of_the_route_and_the_backend_and_roles_add_403()
    {
        GatewayRoute[] routes = [Route("things", "things", "/api/things/{**rest}", secured: true, roles: ["admin"])];
        var backend = Backend(("/api/things", "get", "ListThings", Bearer("auditor")));

        var operation = PublicApiComposer.Compose(Header, routes, new Dictionary<string, JsonObject> { ["things"] = backend }, [])["paths"]!["/api/things"]!["get"]!;

        Assert.True(JsonNode.DeepEquals(Bearer("admin", "auditor"), operation["security"]));
        Assert.NotNull(operation["responses"]!["403"]!["content"]!["application/problem+json"]);
    }

    [Fact]
    public void Paths_are_written_as_clients_call_them_and_methods_outside_the_route_are_left_out()
    {
        GatewayRoute[] routes = [Route("things", "things", "/things/{**rest}", ["GET"], removedPrefix: "/things")];
        var backend = Backend(("/items/{id}", "get", "GetItem", null), ("/items/{id}", "delete", "DeleteItem", null));

        var paths = PublicApiComposer.Compose(Header, routes, new Dictionary<string, JsonObject> { ["things"] = backend }, [])["paths"]!.AsObject();

        Assert.Equal(["/things/items/{id}"], paths.Select(p => p.Key));
        Assert.Equal(["get"], paths["/things/items/{id}"]!.AsObject().Select(o => o.Key));
    }

    [Fact]
    public void Clashing_schemas_and_operation_ids_of_two_backends_are_kept_apart_and_missing_backends_are_named()
    {
        GatewayRoute[] routes = [Route("a", "alpha", "/api/alpha/{**rest}"), Route("b", "beta", "/api/beta/{**rest}")];
        var alpha = Backend(("/api/alpha", "get", "List", null));
        var beta = Backend(("/api/beta", "get", "List", null));
        beta["components"]!["schemas"]!["Thing"] = new JsonObject { ["type"] = "array" };

        var document = PublicApiComposer.Compose(Header, routes, new Dictionary<string, JsonObject> { ["alpha"] = alpha, ["beta"] = beta }, ["gamma"]);

        Assert.Equal("BetaList", document["paths"]!["/api/beta"]!["get"]!["operationId"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/BetaThing",
            document["paths"]!["/api/beta"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
        Assert.Equal("array", document["components"]!["schemas"]!["BetaThing"]!["type"]!.GetValue<string>());
        Assert.Equal("gamma", document["info"]!["x-unavailable-backends"]![0]!.GetValue<string>());
    }
}
