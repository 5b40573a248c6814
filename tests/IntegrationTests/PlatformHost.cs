using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IntegrationTests;

/// <summary>
/// Starts the real AppHost in local-infrastructure mode (Debian's PostgreSQL and Redis as
/// executables) on a data directory of the test's own, and waits until the gateway is healthy.
/// </summary>
public static class PlatformHost
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(8);

    /// <summary>Identity's private key in the test AppHost (parameter identity-signing-key), so tests can mint tokens.</summary>
    public static readonly string JwtSigningKey = TestSupport.TestKeys.NewPrivateKey();

    /// <summary>The seeded administrator (parameters admin-email and admin-password).</summary>
    public const string AdminEmail = "admin@tests.local";

    public static readonly string AdminPassword = $"Adm1n!{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12))}x";

    /// <summary>
    /// Per-user limits the test platform runs with: tests that hit the limit send this many requests.
    /// Anonymous and per-IP login limits are raised because every test shares 127.0.0.1; the gateway's
    /// own tests cover per-IP limiting at its defaults.
    /// </summary>
    public const int UserRequestsPerMinute = 300;

    public const int LoginFailuresPerMinute = 5;

    /// <summary>
    /// The AppHost argument for one catalog replica instead of four: for a test that starts a platform of its own and is
    /// not about balancing, three .NET processes fewer to start beside the shared platform.
    /// </summary>
    public const string OneCatalogReplica = "--Parameters:catalog-replicas=1";

    /// <summary>
    /// The AppHost argument for all four catalog replicas, whatever this machine's default (one per core): the shared
    /// platform's balancing tests need the three weighted primaries and the backup.
    /// </summary>
    public const string AllCatalogReplicas = "--Parameters:catalog-replicas=4";

    /// <summary>
    /// One platform starts at a time. A start is CPU-bound here (a dozen .NET processes on two cores): in the
    /// clean-clone run at d9ae3b6 the shared platform was up after 118 s beside a data-directory test's own start,
    /// so every shared test waited for both. In turn, the first one up runs its tests while the next starts.
    /// </summary>
    private static readonly SemaphoreSlim OneStartAtATime = new(1, 1);

    public static string NewDataDirectory() =>
        Path.Combine(Path.GetTempPath(), "ecommerce-tests", Guid.NewGuid().ToString("N")[..12]);

    /// <param name="dataDirectory">The test's own data directory (<see cref="NewDataDirectory"/>).</param>
    /// <param name="arguments">More AppHost arguments, such as <c>--Parameters:name=value</c>.</param>
    /// <param name="waitForGateway">Return once the gateway is healthy (every service is), or as soon as the AppHost started.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<DistributedApplication> StartAsync(string dataDirectory, IEnumerable<string>? arguments = null,
        bool waitForGateway = true, CancellationToken cancellationToken = default)
    {
        await OneStartAtATime.WaitAsync(cancellationToken);
        try
        {
            return await StartAloneAsync(dataDirectory, arguments, waitForGateway, cancellationToken);
        }
        finally
        {
            OneStartAtATime.Release();
        }
    }

    private static async Task<DistributedApplication> StartAloneAsync(string dataDirectory, IEnumerable<string>? arguments,
        bool waitForGateway, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [
                "--Infrastructure:Mode=local",
                $"--Parameters:identity-signing-key={JwtSigningKey}",
                $"--Parameters:admin-email={AdminEmail}",
                $"--Parameters:admin-password={AdminPassword}",
                $"--Parameters:ratelimit-user-per-minute={UserRequestsPerMinute}",
                "--Parameters:ratelimit-user-per-hour=100000",
                "--Parameters:ratelimit-anonymous-per-minute=100000",
                $"--Parameters:ratelimit-login-failures-per-minute={LoginFailuresPerMinute}",
                "--Parameters:ratelimit-login-failures-per-ip-per-minute=100000",
                // Dead letters are replayed by the tests themselves: none is taken by the automatic round first.
                "--Parameters:deadletter-replay-interval=01:00:00",
                $"--LocalInfrastructure:DataDirectory={dataDirectory}",
                // Native adapters whatever this machine has installed; a test that wants sidecars says so.
                "--Dapr:Sidecars=false",
                .. arguments ?? [],
            ],
            timeout.Token);
        // No dashboard runs under the test host, yet Aspire still hands every process its default OTLP endpoint, where
        // nothing listens: each batch of telemetry failed and was retried, and each process's last flush held its exit
        // for 5 s (a stopped replica, a restarted AppHost, every fixture's end). Without an endpoint nothing is exported.
        foreach (var resource in builder.Resources.OfType<IResourceWithEnvironment>())
        {
            builder.CreateResourceBuilder(resource).WithEnvironment(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT"));
        }

        // The tests' own HttpClient logs four lines per request at Information: under a load test or the
        // checkout benchmark that was more console output than all the platform's processes together.
        builder.Services.AddLogging(logging => logging
            .AddFilter("Aspire.Hosting.Dcp", LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
            .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning));

        var app = await builder.BuildAsync(timeout.Token);
        try
        {
            await app.StartAsync(timeout.Token);
            if (waitForGateway)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync("gateway", timeout.Token);
            }

            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Removes a test's data directory (the PostgreSQL files belong to another user; root may delete them).</summary>
    public static void DeleteDataDirectory(string dataDirectory)
    {
        try
        {
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the OS to clean from the temp directory; never fail a test over it.
        }
    }
}
