using System.Text.Json;

namespace FunctionsHost;

/// <summary>
/// Reads the <c>functions.metadata</c> the Worker SDK writes at build time (what the Azure Functions
/// host will serve) in the shape of <see cref="FunctionAppHost.Describe"/>, so the two can be compared.
/// </summary>
public static class FunctionsMetadata
{
    public static IReadOnlyList<PlainFunction> Read(string path, string routePrefix = "api")
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(path));
        return [.. metadata.RootElement.EnumerateArray().Select(function =>
        {
            var trigger = function.GetProperty("bindings").EnumerateArray()
                .Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
            var type = trigger.GetProperty("type").GetString()!;
            var name = function.GetProperty("name").GetString()!;
            // The host serves a function without a route at its name, under the route prefix.
            var route = type == "httpTrigger"
                ? JoinRoute(routePrefix, trigger.TryGetProperty("route", out var r) && r.GetString() is { Length: > 0 } declared ? declared : name)
                : null;
            IReadOnlyList<string> methods = trigger.TryGetProperty("methods", out var m)
                ? [.. m.EnumerateArray().Select(x => x.GetString()!.ToUpperInvariant())]
                : [];
            return new PlainFunction(name, type, route, methods, trigger.TryGetProperty("schedule", out var s) ? s.GetString() : null);
        })];
    }

    private static string JoinRoute(string prefix, string route) => prefix.Length == 0 ? route : $"{prefix}/{route}";
}
