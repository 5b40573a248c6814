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
        var declared = FunctionsMetadata.Read(path).Select(Comparable).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var served = FunctionAppHost.Describe(typeof(TickCounter).Assembly).Select(Comparable).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();

        Assert.Equal(6, declared.Count);
        Assert.Equal(declared, served);
    }

    /// <summary>Records compare lists by reference; compare the methods as one string.</summary>
    private static (string Name, string Trigger, string? Route, string Methods, string? Schedule) Comparable(PlainFunction f) =>
        (f.Name, f.Trigger, f.Route, string.Join(",", f.Methods), f.Schedule);

    [Fact]
    public void Describe_applies_the_route_prefix()
    {
        var functions = FunctionAppHost.Describe(typeof(TickCounter).Assembly, routePrefix: "");

        Assert.Equal("Ping", functions.Single(f => f.Name == "Ping").Route);
        Assert.Equal("items/{id}", functions.Single(f => f.Name == "GetItem").Route);
        Assert.Null(functions.Single(f => f.Name == "Tick").Route);
    }
}
