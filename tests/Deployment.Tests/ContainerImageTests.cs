using System.Diagnostics;
using System.Text.Json;
using k8s.Models;
using TestSupport;

namespace Deployment.Tests;

/// <summary>
/// Every app's image as the .NET SDK's container support would build it (<c>dotnet publish -t:PublishContainer</c>),
/// checked by configuration: base images cannot be pulled on this machine, so nothing is built or pushed.
/// </summary>
public class ContainerImageTests(DefaultTree published) : IClassFixture<DefaultTree>
{
    public static TheoryData<string, string> Projects => new()
    {
        { "services/Identity/Identity.Api.csproj", "identity" },
        { "services/Catalog/Catalog.Api.csproj", "catalog" },
        { "services/Basket/Basket.Api.csproj", "basket" },
        { "services/Ordering/Ordering.Api.csproj", "ordering" },
        { "services/Gateway/Gateway.csproj", "gateway" },
        { "services/WebApp/WebApp.csproj", "webapp" },
        { "functions/Inventory/Inventory.csproj", "inventory" },
        { "functions/Payment/Payment.csproj", "payment" },
        { "functions/OrderWorkflow/OrderWorkflow.csproj", "orderworkflow" },
    };

    private static async Task<JsonElement> ContainerConfigAsync(string project)
    {
        var start = new ProcessStartInfo("dotnet", [
            "msbuild", RepositoryFiles.PathOf(project.Split('/')), "-t:ComputeContainerConfig", "-p:Configuration=Release",
            "-getProperty:ContainerRepository", "-getProperty:ContainerBaseImage", "-getProperty:ContainerUser",
            "-getProperty:ContainerWorkingDirectory", "-getProperty:AssemblyName", "-getItem:ContainerAppCommand",
            "-getItem:ContainerEnvironmentVariable"]);
        var msbuild = await ChildProcess.RunAsync(start, TimeSpan.FromMinutes(2));
        Assert.True(msbuild.ExitCode == 0, $"{project}: {msbuild.All}");
        return JsonDocument.Parse(msbuild.Output).RootElement;
    }

    private static string[] Items(JsonElement config, string name) =>
        config.GetProperty("Items").TryGetProperty(name, out var items)
            ? items.EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!).ToArray()
            : [];

    [Theory]
    [MemberData(nameof(Projects))]
    public async Task The_project_builds_the_image_its_deployment_runs(string project, string app)
    {
        var config = await ContainerConfigAsync(project);
        var properties = config.GetProperty("Properties");
        var deployment = published.Tree.Named<V1Deployment>(app);

        Assert.Equal(deployment.Spec.Template.Spec.Containers[0].Image, $"{properties.GetProperty("ContainerRepository").GetString()}:latest");
        // Both base images derive from the ASP.NET Core runtime image, whose non-root user `app` (UID 1654) the pod runs as.
        Assert.Equal(1654, deployment.Spec.Template.Spec.SecurityContext.RunAsUser);
        Assert.Equal("", properties.GetProperty("ContainerUser").GetString());
        if (!project.StartsWith("functions/", StringComparison.Ordinal))
        {
            Assert.Contains("/dotnet/aspnet:10.0", properties.GetProperty("ContainerBaseImage").GetString());
            Assert.Equal(["dotnet", $"/app/{properties.GetProperty("AssemblyName").GetString()}.dll"], Items(config, "ContainerAppCommand"));
            Assert.Empty(Items(config, "ContainerEnvironmentVariable"));
            return;
        }

        // A function app: the Worker SDK's choice, kept: the Functions host for .NET 10 isolated workers, its start
        // script, and the app where the host looks for functions.metadata (AzureWebJobsScriptRoot).
        Assert.Equal("mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0", properties.GetProperty("ContainerBaseImage").GetString());
        Assert.Equal(["/opt/startup/start_nonappservice.sh"], Items(config, "ContainerAppCommand"));
        Assert.Equal("/home/site/wwwroot", properties.GetProperty("ContainerWorkingDirectory").GetString());
        var environment = config.GetProperty("Items").GetProperty("ContainerEnvironmentVariable").EnumerateArray()
            .ToDictionary(i => i.GetProperty("Identity").GetString()!, i => i.GetProperty("Value").GetString());
        Assert.Equal("/home/site/wwwroot", environment["AzureWebJobsScriptRoot"]);
    }
}
