namespace TestSupport;

/// <summary>Files of the repository the tests were built from (README, dapr/, build outputs).</summary>
public static class RepositoryFiles
{
    /// <summary>The folder that holds Ecommerce.Aspire.sln, found above the test's output folder.</summary>
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Ecommerce.Aspire.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above the test output.");
    }
}
