using System.Diagnostics;
using System.Text.Json.Nodes;
using Aspire.Hosting.Testing;
using TestSupport;

namespace IntegrationTests;

/// <summary>Where the OpenAPI documents come from in tests, and the lint that judges them.</summary>
public static class OpenApiDocuments
{
    /// <summary>Every app that serves a document: the gateway and each service and function app (one catalog replica stands for all).</summary>
    public static readonly string[] Apps = ["gateway", "identity", "catalog", "basket", "ordering", "inventory", "payment", "orderworkflow"];

    /// <summary>The checked-in copy of the gateway's document, from which the test client is generated.</summary>
    public static string CheckedInGatewayDocument => Path.Combine(RepositoryRoot, "docs", "openapi", "gateway.v1.json");

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The app's document; the gateway's once it holds every backend (it composes them as they answer).</summary>
    public static async Task<JsonObject> FetchAsync(Aspire.Hosting.DistributedApplication app, string name)
    {
        using var client = app.CreateHttpClient(name);
        return await Eventually.UntilAsync(
            async () => JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!.AsObject(),
            document => document["info"]?["x-unavailable-backends"] is null,
            TimeSpan.FromMinutes(2),
            $"the OpenAPI document of {name} to be complete");
    }

    /// <summary>Runs the pinned <c>@redocly/cli lint</c> with the repository's redocly.yaml; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> LintAsync(IEnumerable<string> files)
    {
        var start = new ProcessStartInfo("npx") { WorkingDirectory = RepositoryRoot };
        foreach (var argument in (string[])["--yes", "@redocly/cli@2.77.0", "lint", "--format", "stylish", "--config", Path.Combine(RepositoryRoot, "redocly.yaml"), .. files])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        // npx is installed by platform.sh (Node.js and npm); the deadline is against a hung download.
        var lint = await ChildProcess.RunAsync(start, TimeSpan.FromMinutes(10));
        return (lint.ExitCode, lint.All);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ecommerce.Aspire.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Ecommerce.Aspire.sln) is not above " + AppContext.BaseDirectory);
    }
}
