using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

public static class BuildOutputLaunchExtensions
{
    /// <summary>
    /// Starts every project as <c>dotnet &lt;its built assembly&gt;</c> instead of Aspire's default
    /// <c>dotnet run --project</c>. Building the AppHost has already built them; the default puts an SDK
    /// process (about 130 MB, an up-to-date check of the build) in front of each of them for as long as it
    /// runs. A project whose assembly is not where the build put it keeps the default.
    /// </summary>
    public static IDistributedApplicationBuilder LaunchProjectsFromBuildOutput(this IDistributedApplicationBuilder builder)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(project.GetProjectMetadata().ProjectPath))!;
            if (ProjectBuildOutput.AssemblyOf(project) is not { } assembly)
            {
                continue;
            }

            // A function app: where the Functions host is installed, `dotnet run` starts it (`func start`),
            // and that is kept; elsewhere it runs the app itself from its output directory
            // (functions/Directory.Build.targets), which is what this does without the SDK in between.
            var isFunctionApp = project.IsFunctionApp();
            if (isFunctionApp && FunctionsHostRuns(builder.Configuration))
            {
                continue;
            }

            // The same working directory as `dotnet run` (the content root, where appsettings.json is read).
            project.Annotations.Add(new ExecutableAnnotation
            {
                Command = "dotnet",
                WorkingDirectory = isFunctionApp ? Path.GetDirectoryName(assembly)! : projectDirectory,
            });
            builder.CreateResourceBuilder(project).WithArgs(assembly);
        }

        return builder;
    }

    private static bool FunctionsHostRuns(IConfiguration configuration) =>
        !string.Equals(configuration["FunctionsRunMode"], "plain", StringComparison.OrdinalIgnoreCase)
        && (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(directory => directory.Length > 0 && File.Exists(Path.Combine(directory, OperatingSystem.IsWindows() ? "func.exe" : "func")));
}
