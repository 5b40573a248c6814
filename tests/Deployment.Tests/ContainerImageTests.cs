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
        { "functions/Inventory/Inventory.csproj", "inventory" },
        { "functions/Payment/Payment.csproj", "payment" },
        { "functions/OrderWorkflow/OrderWorkflow.csproj", "orderworkflow" },
    };

    private static async Task<JsonElement> ContainerConfigAsync(string project)
    {
        var start = new ProcessStartInfo("dotnet", [
            "msbuild", RepositoryFiles.PathOf(project.Split('/')), "-t:ComputeContainerConfig", "-p:Configuration=Release",
            "-getProperty:ContainerRepository", "-getProperty:ContainerBaseImage", "-getProperty:ContainerUser",
            "-getProperty:AssemblyName", "-getItem:ContainerAppCommand", "-getItem:ContainerEnvironmentVariable"]);
        var msbuild = await ChildProcess.RunAsync(start, TimeSpan.FromMinutes(2));
        Assert.True(msbuild.ExitCode == 0, $"{project}: {msbuild.All}");
        return JsonDocument.Parse(msbuild.Output).RootElement;
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public async Task The_project_builds_the_image_its_deployment_runs_on_the_aspnet_base_as_the_non_root_app_user(string project, string app)
    {
        var config = await ContainerConfigAsync(project);
        var properties = config.GetProperty("Properties");
        var deployment = published.Tree.Named<V1Deployment>(app);

        Assert.Equal(deployment.Spec.Template.Spec.Containers[0].Image, $"{properties.GetProperty("ContainerRepository").GetString()}:latest");
        // The ASP.NET Core runtime image, whose default user is `app` (UID 1654), the user the pod runs as.
        Assert.Contains("/dotnet/aspnet:10.0", properties.GetProperty("ContainerBaseImage").GetString());
        Assert.Equal("", properties.GetProperty("ContainerUser").GetString());
        Assert.Equal(1654, deployment.Spec.Template.Spec.SecurityContext.RunAsUser);
        // A function app too starts as `dotnet <app>.dll`: the plain host the manifests probe on /health/*, not the
        // Functions host's start script.
        var command = config.GetProperty("Items").GetProperty("ContainerAppCommand").EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!).ToArray();
        Assert.Equal(new[] { "dotnet", $"/app/{properties.GetProperty("AssemblyName").GetString()}.dll" }, command);
        Assert.Empty(config.GetProperty("Items").GetProperty("ContainerEnvironmentVariable").EnumerateArray());
    }
}
