using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace IntegrationTests;

/// <summary>
/// The OpenAPI documents of the running platform: each app's lints clean with redocly's recommended rules,
/// and the gateway's describes what it routes, as clients call it, and equals the checked-in copy the
/// generated client is built from (so the two cannot drift).
/// </summary>
[Collection(PlatformCollection.Name)]
public class OpenApiTests(PlatformFixture platform)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    [Fact]
    public async Task Every_document_passes_redocly_lint_with_the_recommended_rules()
    {
        // Kept beside the test binaries, so that a failing lint can be read and re-run by hand.
        var folder = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "openapi"));
        var files = new List<string>();
        foreach (var app in OpenApiDocuments.Apps)
        {
            var document = await OpenApiDocuments.FetchAsync(platform.App, app);
            var file = Path.Combine(folder.FullName, $"{app}.v1.json");
            await File.WriteAllTextAsync(file, document.ToJsonString(Indented));
            files.Add(file);
        }

        var (exitCode, output) = await OpenApiDocuments.LintAsync(files);

        Assert.True(exitCode == 0, $"redocly lint failed ({exitCode}):{Environment.NewLine}{output}");
        // Warnings do not change lint's exit code, so they are judged here: none at all in the public document;
        // in a service's, only an operation that takes no input and so has no client error to declare
        // (GET /api/catalog/brands), which the gateway's document covers with its 429.
        var warnings = Warnings(output).ToList();
        Assert.True(warnings.All(w => w.File != "gateway.v1.json" && w.Rule == "operation-4xx-response"),
            $"redocly lint warned:{Environment.NewLine}{output}");
    }

    /// <summary>The warnings of redocly's stylish output: a "file.json:" line, then "  line:col  warning  rule  message" lines.</summary>
    private static IEnumerable<(string File, string Rule)> Warnings(string output)
    {
        var file = "";
        foreach (var line in output.Split('\n'))
        {
            if (Regex.Match(line, @"^(?<file>\S+\.json):\s*$") is { Success: true } header)
            {
                file = Path.GetFileName(header.Groups["file"].Value);
            }
            else if (Regex.Match(line, @"^\s+\d+:\d+\s+warning\s+(?<rule>\S+)") is { Success: true } warning)
            {
                yield return (file, warning.Groups["rule"].Value);
            }
        }
    }

    [Fact]
    public async Task The_served_gateway_document_is_the_checked_in_one()
    {
        var served = await OpenApiDocuments.FetchAsync(platform.App, "gateway");
        var path = OpenApiDocuments.CheckedInGatewayDocument;
        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
        {
            // The documented way to refresh the copy after an intended API change (README: "OpenAPI").
            await File.WriteAllTextAsync(path, served.ToJsonString(Indented) + "\n");
        }

        var checkedIn = JsonNode.Parse(await File.ReadAllTextAsync(path));

        Assert.True(JsonNode.DeepEquals(served, checkedIn),
            $"The gateway serves a document that differs from {path}. If the change is intended, refresh the copy and the generated "
            + "client (README, section OpenAPI). Served:" + Environment.NewLine + served.ToJsonString(Indented));
    }

    [Fact]
    public async Task The_gateway_document_holds_exactly_the_public_routes_with_their_security()
    {
        var document = await OpenApiDocuments.FetchAsync(platform.App, "gateway");
        var paths = document["paths"]!.AsObject();

        // "" for an open operation, "Bearer" plus any roles for a secured one, null for a missing one.
        string? Security(string path, string method) =>
            paths[path]?[method]?["security"] is JsonArray security
                ? string.Join(' ', security.OfType<JsonObject>().SelectMany(s => s["Bearer"]!.AsArray().Select(r => r!.GetValue<string>()).Prepend("Bearer")))
                : null;

        Assert.Equal("", Security("/api/catalog/items", "get"));
        Assert.Equal("", Security("/api/identity/login", "post"));
        Assert.Equal("Bearer admin", Security("/api/catalog/items", "post"));
        Assert.Equal("Bearer admin", Security("/api/inventory/{productId}", "put"));
        Assert.Equal("Bearer", Security("/api/orders", "post"));
        Assert.Equal("Bearer", Security("/api/identity/profile", "get"));
        // Not routed by the gateway: internal routes stay out of the public document.
        Assert.DoesNotContain(paths, p => p.Key.StartsWith("/api/payments", StringComparison.Ordinal)
            || p.Key.StartsWith("/events", StringComparison.Ordinal) || p.Key.StartsWith("/api/events", StringComparison.Ordinal));
        // Every operation: the gateway's rate limit, and errors as ProblemDetails.
        var operations = paths.SelectMany(p => p.Value!.AsObject().Where(o => o.Key != "parameters").Select(o => (Path: p.Key, Operation: o.Value!))).ToList();
        Assert.NotEmpty(operations);
        Assert.All(operations, o => Assert.NotNull(o.Operation["responses"]?["429"]?["content"]?["application/problem+json"]));
        Assert.Contains("Bearer", document["components"]!["securitySchemes"]!.AsObject().Select(s => s.Key));
    }
}
