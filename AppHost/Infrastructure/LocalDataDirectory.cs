using System.Security.Cryptography;

namespace AppHost.Infrastructure;

/// <summary>
/// Where local PostgreSQL and Redis keep their data and their generated passwords. It survives
/// restarts of the AppHost; tests point it at a directory of their own so that they never touch a
/// running platform's data.
/// </summary>
public sealed class LocalDataDirectory
{
    public const string ConfigurationKey = "LocalInfrastructure:DataDirectory";

    private LocalDataDirectory(string root) => Root = root;

    public string Root { get; }

    public string PostgresData => Path.Combine(Root, "postgres", "data");

    public string RedisData => Path.Combine(Root, "redis");

    public static LocalDataDirectory Resolve(IDistributedApplicationBuilder builder)
    {
        var configured = builder.Configuration[ConfigurationKey];
        var root = !string.IsNullOrWhiteSpace(configured) ? Path.GetFullPath(configured) : DefaultRoot();
        Directory.CreateDirectory(root);
        return new LocalDataDirectory(root);
    }

    /// <summary>
    /// A password generated once and kept (mode 600) beside the data it protects: the data outlives
    /// any single AppHost run, so its password must too, and it never appears in source.
    /// </summary>
    public string Secret(string name)
    {
        var path = Path.Combine(Root, $"{name}.secret");
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        WritePrivateFile(path, secret);
        return secret;
    }

    /// <summary>Writes a file only its owner can read.</summary>
    public static void WritePrivateFile(string path, string contents)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Created private, never readable by others even for a moment.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(path, options);
        writer.Write(contents);
    }

    private static string DefaultRoot()
    {
        // Root's home is closed to the postgres user that the server runs as; use the system data area.
        if (Environment.UserName == "root")
        {
            return "/var/lib/ecommerce-aspire";
        }

        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (string.IsNullOrEmpty(dataHome))
        {
            dataHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        }

        return Path.Combine(dataHome, "ecommerce-aspire");
    }
}
