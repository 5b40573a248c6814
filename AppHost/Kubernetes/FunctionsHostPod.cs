using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace AppHost.Kubernetes;

/// <summary>
/// A function app's pod as the Azure Functions host runs it. The image the Worker SDK builds for a function app
/// (<c>dotnet publish -t:PublishContainer</c>) is the Functions host image with the app in <c>/home/site/wwwroot</c>;
/// its start script starts the host, which reads the app's <c>functions.metadata</c>, starts the app as its
/// isolated worker and calls the functions through their trigger bindings. What differs from a service's pod:
/// the host's port and health endpoints, the settings the host itself reads, and its storage account.
/// </summary>
public static partial class FunctionsHostPod
{
    /// <summary>
    /// Answers 200 while the host's web server runs, without a key (azure-functions-host, <c>HostController.Ping</c>):
    /// the startup and liveness probe. A failing function or dependency does not restart the pod.
    /// </summary>
    public const string LivenessPath = "/admin/host/ping";

    /// <summary>
    /// The host's readiness check (azure-functions-host 4.1044 and later): the script host has started, that is
    /// the worker is up and the functions are indexed. An older host answers 404, and the pod never becomes ready.
    /// </summary>
    public const string ReadinessPath = "/runtime/health/ready";

    /// <summary>The parameter (a Secret when published) with the storage connection string the host needs.</summary>
    public const string StorageParameter = "functions-storage";

    /// <summary>
    /// The host keeps its keys (no function here needs one: every trigger is anonymous and [Authorize] does the
    /// checking) in files; by default beside its own binaries, which are read-only in the pod.
    /// </summary>
    public const string SecretsPath = "/tmp/Functions/secrets";

    /// <summary>
    /// Publishing only: every function app gets <c>AzureWebJobsStorage</c> from a secret parameter. The host needs
    /// a storage account to run timer triggers (each schedule's last run, and a blob lease so that one replica
    /// fires it); the plain host of local runs needs none.
    /// </summary>
    public static void AddStorage(IDistributedApplicationBuilder builder)
    {
        var functionApps = builder.Resources.OfType<ProjectResource>().Where(p => p.IsFunctionApp()).ToList();
        if (functionApps.Count == 0)
        {
            return;
        }

        var storage = builder.AddParameter(StorageParameter, secret: true)
            .WithDescription("Azure Storage connection string for the Functions host of the function apps (timer schedules and locks): a storage account, or Azurite reachable from the cluster.");
        foreach (var app in functionApps)
        {
            builder.CreateResourceBuilder(app).WithEnvironment("AzureWebJobsStorage", storage);
        }
    }

    /// <summary>
    /// The settings the host reads, added to the app's ConfigMap <paramref name="config"/>: its port, where it keeps
    /// keys, and every <c>%Setting%</c> a trigger binding of <c>functions.metadata</c> names. The host resolves
    /// those from its own environment, never from the app's appsettings.json (which only the worker reads), so each
    /// is copied here with the value the worker would see: the AppHost's setting if it gives one, else appsettings.json.
    /// </summary>
    /// <exception cref="InvalidOperationException">The app is not built, or a binding names a setting nothing gives.</exception>
    public static void AddHostSettings(ProjectResource app, IDictionary<string, string> config)
    {
        // Under the host the app's Kestrel listens where the host tells it; HTTP_PORTS would only earn a warning.
        config.Remove("HTTP_PORTS");
        // The image's host listens on port 80, which a non-root pod cannot bind.
        config["ASPNETCORE_URLS"] = $"http://+:{KubernetesPublishingExtensions.HttpPort}";
        config["AzureWebJobsSecretStorageType"] = "files";
        config["FUNCTIONS_SECRETS_PATH"] = SecretsPath;

        var output = Path.GetDirectoryName(ProjectBuildOutput.AssemblyOf(app)
            ?? throw new InvalidOperationException($"{app.Name} is not built: publishing reads its functions.metadata (`aspire publish` builds it)."))!;
        var appSettings = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(output, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(output, "appsettings.Production.json"), optional: true)
            .Build();
        foreach (var (function, setting) in SettingsNamed(Path.Combine(output, "functions.metadata")))
        {
            var variable = setting.Replace(":", "__", StringComparison.Ordinal);
            if (config.ContainsKey(variable))
            {
                continue;
            }

            config[variable] = appSettings[setting.Replace("__", ":", StringComparison.Ordinal)]
                ?? throw new InvalidOperationException(
                    $"{app.Name}'s function {function} binds %{setting}%, which neither its appsettings.json nor the AppHost sets.");
        }
    }

    /// <summary>Each <c>%Setting%</c> named by a binding in a functions.metadata file, with the function naming it.</summary>
    public static IEnumerable<(string Function, string Setting)> SettingsNamed(string functionsMetadata)
    {
        if (!File.Exists(functionsMetadata))
        {
            throw new InvalidOperationException($"{functionsMetadata} is missing: the Worker SDK writes it when the function app is built.");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(functionsMetadata));
        foreach (var function in json.RootElement.EnumerateArray())
        {
            var name = function.GetProperty("name").GetString()!;
            foreach (var binding in function.GetProperty("bindings").EnumerateArray())
            {
                foreach (var property in binding.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
                {
                    foreach (Match match in SettingReference().Matches(property.Value.GetString()!))
                    {
                        yield return (name, match.Groups[1].Value);
                    }
                }
            }
        }
    }

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingReference();
}
