using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Reads Identity's metadata and signing keys once at start instead of on the first signed-in request,
/// which otherwise waits for two calls to Identity before its own work: 0.2-0.5 s on a just-started
/// service of an idle machine (docs/benchmarks.md), many seconds on a loaded one, where a platform's first
/// administrator write outlasted the gateway's 10 s deadline. Not a readiness condition: a service with no
/// keys yet still serves anonymous requests, and its handler reads the keys on demand as before.
/// </summary>
internal sealed class SigningKeysPrefetch(
    IOptionsMonitor<JwtBearerOptions> jwtOptions,
    IHttpClientFactory httpClients,
    ILogger<SigningKeysPrefetch> logger,
    TimeProvider clock) : BackgroundService
{
    /// <summary>Pauses after each failed try (Identity may start after the service): about 2 minutes in all.</summary>
    internal static readonly TimeSpan[] Pauses =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10),
         TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = jwtOptions.Get(JwtBearerDefaults.AuthenticationScheme);
        // Created by JwtBearer's post-configuration only when the keys come from metadata (no local keys).
        if (options is not { ConfigurationManager: { } keys, MetadataAddress: { } metadata })
        {
            return;
        }

        using var identity = httpClients.CreateClient(AuthenticationExtensions.MetadataProbeHttpClientName);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // Identity answers first: a failed read would put the handler's own reader into its back-off,
                // and the first signed-in requests after Identity came up would be refused until it ended.
                using (var response = await identity.GetAsync(metadata, HttpCompletionOption.ResponseHeadersRead, stoppingToken))
                {
                    response.EnsureSuccessStatusCode();
                }

                // The handler's own reader: what it keeps here is what the first signed-in request uses.
                await keys.GetConfigurationAsync(stoppingToken);
                logger.LogDebug("Read Identity's signing keys at start");
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Never ends the host: without the keys the service is what it was before this prefetch.
                if (attempt == Pauses.Length)
                {
                    logger.LogInformation(ex, "Could not read Identity's signing keys at start; the first signed-in request reads them");
                    return;
                }

                logger.LogDebug(ex, "Identity's signing keys not readable yet (try {Attempt})", attempt + 1);
            }

            try
            {
                await Task.Delay(Pauses[attempt], clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
