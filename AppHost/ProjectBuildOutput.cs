using System.Reflection;

namespace Aspire.Hosting;

/// <summary>
/// Where the AppHost's build put each referenced project's assembly: building the AppHost builds them, and
/// AppHost.csproj (target RecordServiceAssemblies) writes each path into the AppHost's assembly.
/// </summary>
public static class ProjectBuildOutput
{
    private const string MetadataPrefix = "ServiceAssembly:";

    private static readonly Lazy<Dictionary<string, string>> Assemblies = new(() =>
        typeof(ProjectBuildOutput).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Where(attribute => attribute.Key.StartsWith(MetadataPrefix, StringComparison.Ordinal) && attribute.Value is not null)
            .ToDictionary(attribute => Path.GetFullPath(attribute.Key[MetadataPrefix.Length..]), attribute => attribute.Value!));

    /// <summary>The project's built assembly; null when the build recorded none or the file is not there.</summary>
    public static string? AssemblyOf(ProjectResource project) =>
        Assemblies.Value.TryGetValue(Path.GetFullPath(project.GetProjectMetadata().ProjectPath), out var assembly) && File.Exists(assembly)
            ? assembly
            : null;
}
