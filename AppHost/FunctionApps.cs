namespace Aspire.Hosting;

public static class FunctionApps
{
    /// <summary>An Azure Functions app (isolated worker): its project directory holds a <c>host.json</c>.</summary>
    public static bool IsFunctionApp(this ProjectResource project) =>
        File.Exists(Path.Combine(Path.GetDirectoryName(project.GetProjectMetadata().ProjectPath)!, "host.json"));
}
