using System.Text.Json;
using FunctionsHost.Tests.SampleApp;

namespace FunctionsHost.Tests;

/// <summary>The plain path serves exactly what the Worker SDK declared to the Functions host.</summary>
public sealed class MetadataTests
{
    [Fact]
    public void Functions_metadata_matches_what_the_plain_path_serves()
    {
        // The sample app's build writes functions.metadata; as a content file it is copied beside the tests.
        var path = Path.Combine(AppContext.BaseDirectory, "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: the Worker SDK did not generate it.");
        using var metadata = JsonDocument.Parse(File.ReadAllText(path));

        var declared = metadata.RootElement.EnumerateArray()
            .Select(function =>
            {
                var trigger = function.GetProperty("bindings").EnumerateArray()
                    .Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
                var type = trigger.GetProperty("type").GetString()!;
                var name = function.GetProperty("name").GetString()!;
                return new
                {
                    Name = name,
                    Trigger = type,
                    // The host serves a function without a route at its name, under the route prefix.
                    Route = type == "httpTrigger" ? "api/" + (trigger.TryGetProperty("route", out var r) ? r.GetString() : name) : null,
                    Methods = trigger.TryGetProperty("methods", out var m) ? string.Join(",", m.EnumerateArray().Select(x => x.GetString()!.ToUpperInvariant())) : "",
                    Schedule = trigger.TryGetProperty("schedule", out var s) ? s.GetString() : null,
                };
            })
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();

        var served = FunctionAppHost.Describe(typeof(TickCounter).Assembly)
            .Select(f => new { f.Name, f.Trigger, f.Route, Methods = string.Join(",", f.Methods), f.Schedule })
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();

        Assert.Equal(6, declared.Count);
        Assert.Equal(declared, served);
    }

    [Fact]
    public void Describe_applies_the_route_prefix()
    {
        var functions = FunctionAppHost.Describe(typeof(TickCounter).Assembly, routePrefix: "");

        Assert.Equal("Ping", functions.Single(f => f.Name == "Ping").Route);
        Assert.Equal("items/{id}", functions.Single(f => f.Name == "GetItem").Route);
        Assert.Null(functions.Single(f => f.Name == "Tick").Route);
    }
}
