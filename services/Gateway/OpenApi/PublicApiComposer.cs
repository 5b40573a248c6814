using System.Text.Json.Nodes;

namespace Gateway.OpenApi;

/// <summary>
/// Composes the gateway's public OpenAPI document from the backends' own documents and the gateway's
/// routes: an operation is public when the route the gateway would pick for it (order, then pattern
/// precedence, then a method match over any method) forwards to the backend that describes it. Its path
/// is written as clients call it, its security is the stricter of the route's policy and the backend's,
/// and the answers the gateway itself gives (401, 403, 413, 429, 504) are added. Pure: no I/O, so the
/// same routes and documents always give the same (sorted) document.
/// </summary>
public static class PublicApiComposer
{
    private const string SchemaRefPrefix = "#/components/schemas/";
    private static readonly string[] HttpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    /// <summary>The document's fixed parts.</summary>
    public sealed record Header(string Title, string Description, string LicenseName, string LicenseIdentifier);

    /// <param name="header">Title, description and license.</param>
    /// <param name="routes">The gateway's routes.</param>
    /// <param name="backends">Each cluster's OpenAPI document; a cluster that is missing contributes nothing.</param>
    /// <param name="unavailable">Clusters whose document could not be had, named in the document so that readers know it is partial.</param>
    public static JsonObject Compose(Header header, IReadOnlyList<GatewayRoute> routes, IReadOnlyDictionary<string, JsonObject> backends,
        IReadOnlyCollection<string> unavailable)
    {
        var paths = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var schemas = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var tags = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var operationIds = new HashSet<string>(StringComparer.Ordinal);

        foreach (var (clusterId, source) in backends.OrderBy(b => b.Key, StringComparer.Ordinal))
        {
            var backend = (JsonObject)source.DeepClone();
            var renames = MergeSchemas(clusterId, backend, schemas);
            RewriteRefs(backend, renames);
            var backendTags = (backend["tags"] as JsonArray ?? []).OfType<JsonObject>()
                .Where(t => t["name"] is not null).GroupBy(t => t["name"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.First());

            foreach (var (backendPath, item) in (backend["paths"] as JsonObject ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (item is not JsonObject pathItem)
                {
                    continue;
                }

                foreach (var method in HttpMethods)
                {
                    if (pathItem[method] is not JsonObject operation)
                    {
                        continue;
                    }

                    var route = PublicRoute(routes, clusterId, backendPath, method);
                    if (route is null)
                    {
                        continue;
                    }

                    var clientPath = route.ClientPath(backendPath)!;
                    var published = (JsonObject)operation.DeepClone();
                    Secure(published, route);
                    AddGatewayAnswers(published, route);
                    published["x-gateway-route"] = route.Id;
                    var id = published["operationId"]?.GetValue<string>() ?? $"{method}{clientPath}";
                    if (!operationIds.Add(id))
                    {
                        id = Pascal(clusterId) + id;
                        operationIds.Add(id);
                    }

                    published["operationId"] = id;
                    foreach (var tag in (published["tags"] as JsonArray ?? []).Select(t => t?.GetValue<string>()).OfType<string>())
                    {
                        tags.TryAdd(tag, backendTags.TryGetValue(tag, out var known)
                            ? (JsonObject)known.DeepClone()
                            : new JsonObject { ["name"] = tag, ["description"] = $"{tag} operations." });
                    }

                    if (!paths.TryGetValue(clientPath, out var target))
                    {
                        target = new JsonObject();
                        if (pathItem["parameters"] is JsonArray shared)
                        {
                            target["parameters"] = shared.DeepClone();
                        }

                        paths[clientPath] = target;
                    }

                    target[method] = published;
                }
            }
        }

        var pathsNode = new JsonObject();
        foreach (var (path, item) in paths)
        {
            var ordered = new JsonObject();
            foreach (var (key, value) in item.OrderBy(p => Array.IndexOf(HttpMethods, p.Key) is var i and >= 0 ? i : -1))
            {
                ordered[key] = value?.DeepClone();
            }

            pathsNode[path] = ordered;
        }

        EnsureProblemSchema(schemas);
        var used = ReachableSchemas(pathsNode, schemas);
        var schemasNode = new JsonObject();
        foreach (var (name, schema) in schemas.Where(s => used.Contains(s.Key)))
        {
            schemasNode[name] = schema.DeepClone();
        }

        var info = new JsonObject
        {
            ["title"] = header.Title,
            ["description"] = header.Description,
            ["license"] = new JsonObject { ["name"] = header.LicenseName, ["identifier"] = header.LicenseIdentifier },
            ["version"] = "v1",
        };
        if (unavailable.Count > 0)
        {
            info["x-unavailable-backends"] = new JsonArray([.. unavailable.Order(StringComparer.Ordinal).Select(u => (JsonNode)u)]);
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = info,
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/", ["description"] = "The gateway that serves this document." }),
            ["paths"] = pathsNode,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemasNode,
                ["securitySchemes"] = new JsonObject
                {
                    [OpenApiDefaults.BearerScheme] = new JsonObject
                    {
                        ["type"] = "http",
                        ["description"] = "An access token from POST /api/identity/login or /api/identity/refresh, sent as `Authorization: Bearer <token>`.",
                        ["scheme"] = "bearer",
                        ["bearerFormat"] = "JWT",
                    },
                },
            },
            ["tags"] = new JsonArray([.. tags.Values.Select(t => (JsonNode)t.DeepClone())]),
        };
    }

    /// <summary>The route that carries a client's call of this backend operation, when it forwards to <paramref name="clusterId"/>.</summary>
    internal static GatewayRoute? PublicRoute(IReadOnlyList<GatewayRoute> routes, string clusterId, string backendPath, string method)
    {
        foreach (var candidate in routes.Where(r => r.ClusterId == clusterId))
        {
            var clientPath = candidate.ClientPath(backendPath);
            if (clientPath is null || !candidate.Matches(clientPath, method))
            {
                continue;
            }

            // What the gateway's routing would choose among every route for that call.
            var winner = routes.Where(r => r.Matches(clientPath, method))
                .OrderBy(r => r.Order).ThenBy(r => r.Precedence).ThenBy(r => r.Methods.Count == 0 ? 1 : 0)
                .First();
            if (winner == candidate)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The stricter of the route's requirement and the backend's: both check the token.</summary>
    private static void Secure(JsonObject operation, GatewayRoute route)
    {
        var backendRoles = new SortedSet<string>(StringComparer.Ordinal);
        var backendSecured = false;
        foreach (var requirement in (operation["security"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (requirement[OpenApiDefaults.BearerScheme] is JsonArray roles)
            {
                backendSecured = true;
                backendRoles.UnionWith(roles.Select(r => r?.GetValue<string>()).OfType<string>());
            }
        }

        backendRoles.UnionWith(route.Roles);
        operation["security"] = route.Secured || backendSecured
            ? new JsonArray(new JsonObject { [OpenApiDefaults.BearerScheme] = new JsonArray([.. backendRoles.Select(r => (JsonNode)r)]) })
            : new JsonArray();
    }

    private static void AddGatewayAnswers(JsonObject operation, GatewayRoute route)
    {
        var responses = operation["responses"] as JsonObject ?? [];
        operation["responses"] = responses;
        var security = ((JsonArray)operation["security"]!).OfType<JsonObject>().ToList();
        if (security.Count > 0)
        {
            Add(responses, "401", "A bearer token is missing, expired or not valid.", "A bearer token is required.");
            if (security.Any(s => s[OpenApiDefaults.BearerScheme] is JsonArray { Count: > 0 }))
            {
                Add(responses, "403", "The token is valid but lacks the role this operation requires.", "The token is valid but does not grant this operation.");
            }
        }

        if (route.LimitsBody && operation["requestBody"] is not null)
        {
            Add(responses, "413", "The request body is larger than this route accepts.", "The request body is too large.");
        }

        Add(responses, "429", "Too many requests from this user or client address; retry after the time in `Retry-After`.",
            "Too many requests. Try again later.", new JsonObject
            {
                ["Retry-After"] = new JsonObject
                {
                    ["description"] = "Seconds to wait before retrying.",
                    ["schema"] = new JsonObject { ["type"] = "integer" },
                },
            });
        if (route.HasTimeout)
        {
            Add(responses, "504", "The service behind the gateway did not answer in time.", "The request timed out.");
        }

        // Status codes in order, as the backends write them.
        var ordered = responses.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => (r.Key, Value: r.Value?.DeepClone())).ToList();
        responses.Clear();
        foreach (var (status, response) in ordered)
        {
            responses[status] = response;
        }
    }

    private static void Add(JsonObject responses, string status, string description, string detail, JsonObject? headers = null)
    {
        if (responses.ContainsKey(status))
        {
            return;
        }

        var code = int.Parse(status, System.Globalization.CultureInfo.InvariantCulture);
        var response = new JsonObject
        {
            ["description"] = description,
            ["content"] = new JsonObject
            {
                [OpenApiDefaults.ProblemJson] = new JsonObject
                {
                    ["schema"] = new JsonObject { ["$ref"] = SchemaRefPrefix + "ProblemDetails" },
                    ["example"] = new JsonObject
                    {
                        ["title"] = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(code),
                        ["status"] = code,
                        ["detail"] = detail,
                    },
                },
            },
        };
        if (headers is not null)
        {
            response["headers"] = headers;
        }

        responses[status] = response;
    }

    /// <summary>Adds the backend's schemas; one whose name is taken by a different schema is renamed after its cluster.</summary>
    private static Dictionary<string, string> MergeSchemas(string clusterId, JsonObject backend, SortedDictionary<string, JsonNode> schemas)
    {
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        var own = backend["components"]?["schemas"] as JsonObject ?? [];
        foreach (var (name, schema) in own)
        {
            if (schema is null)
            {
                continue;
            }

            if (schemas.TryGetValue(name, out var existing) && !JsonNode.DeepEquals(existing, schema))
            {
                renames[name] = Pascal(clusterId) + name;
            }
        }

        RewriteRefs(own, renames);
        foreach (var (name, schema) in own)
        {
            if (schema is not null)
            {
                schemas.TryAdd(renames.GetValueOrDefault(name, name), schema.DeepClone());
            }
        }

        return renames;
    }

    private static void RewriteRefs(JsonNode? node, IReadOnlyDictionary<string, string> renames)
    {
        if (renames.Count == 0)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                if (obj["$ref"] is JsonValue reference && reference.GetValue<string>() is { } target
                    && target.StartsWith(SchemaRefPrefix, StringComparison.Ordinal)
                    && renames.TryGetValue(target[SchemaRefPrefix.Length..], out var renamed))
                {
                    obj["$ref"] = SchemaRefPrefix + renamed;
                }

                foreach (var (_, child) in obj.ToList())
                {
                    RewriteRefs(child, renames);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    RewriteRefs(child, renames);
                }

                break;
        }
    }

    /// <summary>The schemas the operations use, directly or through other schemas: unused ones are left out.</summary>
    private static HashSet<string> ReachableSchemas(JsonNode root, IReadOnlyDictionary<string, JsonNode> schemas)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<JsonNode>([root]);
        while (pending.TryPop(out var node))
        {
            switch (node)
            {
                case JsonObject obj:
                    if (obj["$ref"] is JsonValue reference && reference.GetValue<string>() is { } target
                        && target.StartsWith(SchemaRefPrefix, StringComparison.Ordinal)
                        && used.Add(target[SchemaRefPrefix.Length..])
                        && schemas.TryGetValue(target[SchemaRefPrefix.Length..], out var schema))
                    {
                        pending.Push(schema);
                    }

                    foreach (var (_, child) in obj)
                    {
                        if (child is not null)
                        {
                            pending.Push(child);
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (var child in array.OfType<JsonNode>())
                    {
                        pending.Push(child);
                    }

                    break;
            }
        }

        return used;
    }

    /// <summary>The gateway's own answers reference ProblemDetails; every backend declares it, but the document must not depend on that.</summary>
    private static void EnsureProblemSchema(SortedDictionary<string, JsonNode> schemas) =>
        schemas.TryAdd("ProblemDetails", new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["type"] = new JsonObject { ["type"] = new JsonArray("null", "string") },
                ["title"] = new JsonObject { ["type"] = new JsonArray("null", "string") },
                ["status"] = new JsonObject { ["type"] = new JsonArray("null", "integer"), ["format"] = "int32" },
                ["detail"] = new JsonObject { ["type"] = new JsonArray("null", "string") },
                ["instance"] = new JsonObject { ["type"] = new JsonArray("null", "string") },
            },
        });

    private static string Pascal(string id) =>
        string.Concat(id.Split('-', '_', '.').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
