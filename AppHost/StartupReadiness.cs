using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost;

/// <summary>
/// Sees a starting resource ready within a fraction of a second of it. Aspire asks a resource that is not yet healthy
/// again after 1, 2, 3, 4 and then every 5 s, and what waits for it (<c>WaitFor</c>) starts only then: the gateway, which
/// waits for every service, started seconds after the last one was ready (docs/benchmarks.md, warm start). Asking the
/// services' readiness more often was tried and cost more than it saved: each ask runs a starting service's database and
/// Redis checks. So until its first healthy answer a check waits for the resource's port to accept a connection (polled;
/// a refused connection costs next to nothing) and asks as soon as it does, then once a second, for up to
/// <see cref="Window"/> before it answers. From the first healthy answer on, and for a resource not ready after
/// <see cref="GiveUpAfter"/>, a check asks once, on Aspire's schedule.
/// </summary>
public static class StartupReadiness
{
    public static readonly TimeSpan PortInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan AskInterval = TimeSpan.FromSeconds(1);

    /// <summary>Longer than Aspire's longest pause between two checks (5 s), so that little of a start falls between checks.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(3);

    /// <summary>Run mode only: wraps every health check the AppHost runs for its resources.</summary>
    public static IDistributedApplicationBuilder NoticeReadinessPromptly(this IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return builder;
        }

        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            var endpoints = EndpointsByCheck(builder);
            var registrations = options.Registrations.ToArray();
            options.Registrations.Clear();
            foreach (var registration in registrations)
            {
                var settings = new FirstReadinessCheck.Settings(endpoints.GetValueOrDefault(registration.Name), PortInterval, AskInterval, Window, GiveUpAfter);
                options.Registrations.Add(FirstReadinessCheck.Wrap(registration, settings, TimeProvider.System));
            }
        });
        return builder;
    }

    /// <summary>
    /// The endpoint whose port says a resource has started, by the names of its checks: its HTTP endpoint, else its first.
    /// None behind DCP's proxy, which accepts connections before the process behind it does.
    /// </summary>
    private static Dictionary<string, EndpointReference> EndpointsByCheck(IDistributedApplicationBuilder builder) =>
        builder.Resources.OfType<IResourceWithEndpoints>()
            .SelectMany(resource => resource.Annotations.OfType<EndpointAnnotation>()
                .OrderBy(endpoint => endpoint.UriScheme == "http" ? 0 : 1)
                .Take(1)
                .Where(endpoint => !endpoint.IsProxied)
                .SelectMany(endpoint => resource.Annotations.OfType<HealthCheckAnnotation>()
                    .Select(check => (check.Key, Endpoint: new EndpointReference(resource, endpoint)))))
            .DistinctBy(pair => pair.Key)
            .ToDictionary(pair => pair.Key, pair => pair.Endpoint);
}

/// <summary>
/// A resource's health check that, until the first healthy answer of the check it wraps, waits for the resource's port to
/// accept a connection and then asks at once (see <see cref="StartupReadiness"/>).
/// </summary>
public sealed class FirstReadinessCheck(IHealthCheck inner, FirstReadinessCheck.Progress progress, FirstReadinessCheck.Settings settings, TimeProvider time)
    : IHealthCheck
{
    /// <param name="Endpoint">Whose port to watch; null to ask every <paramref name="AskInterval"/> instead.</param>
    /// <param name="PortInterval">How often to try the port while it refuses.</param>
    /// <param name="AskInterval">How often to ask once the port accepts, or without a port.</param>
    /// <param name="Window">How long one check goes on asking before it answers.</param>
    /// <param name="GiveUpAfter">From the first check on, how long to ask this way at all.</param>
    public sealed record Settings(EndpointReference? Endpoint, TimeSpan PortInterval, TimeSpan AskInterval, TimeSpan Window, TimeSpan GiveUpAfter);

    /// <summary>What one registration's checks share: an instance is made for every check.</summary>
    public sealed class Progress
    {
        private long _firstAskAt;
        private volatile bool _healthySeen;

        public bool HealthySeen => _healthySeen;

        internal bool Listening { get; set; }

        internal IPAddress[]? Addresses { get; set; }

        internal void SawHealthy() => _healthySeen = true;

        internal bool GaveUp(TimeProvider time, TimeSpan after)
        {
            Interlocked.CompareExchange(ref _firstAskAt, time.GetTimestamp(), 0);
            return time.GetElapsedTime(Interlocked.Read(ref _firstAskAt)) >= after;
        }
    }

    public static HealthCheckRegistration Wrap(HealthCheckRegistration registration, Settings settings, TimeProvider time)
    {
        var progress = new Progress();
        var factory = registration.Factory;
        return new HealthCheckRegistration(registration.Name,
            services => new FirstReadinessCheck(factory(services), progress, settings, time),
            registration.FailureStatus, registration.Tags, registration.Timeout)
        {
            Delay = registration.Delay,
            Period = registration.Period,
        };
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = await AskAsync(context, cancellationToken);
        if (result.Status == HealthStatus.Healthy)
        {
            progress.SawHealthy();
            return result;
        }

        if (progress.HealthySeen || progress.GaveUp(time, settings.GiveUpAfter))
        {
            return result;
        }

        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < settings.Window)
        {
            if (settings.Endpoint is { } endpoint && !progress.Listening)
            {
                if (!await AcceptsConnectionAsync(endpoint, cancellationToken))
                {
                    await Task.Delay(settings.PortInterval, time, cancellationToken);
                    continue;
                }

                progress.Listening = true; // ask at once
            }
            else
            {
                await Task.Delay(settings.AskInterval, time, cancellationToken);
            }

            result = await AskAsync(context, cancellationToken);
            if (result.Status == HealthStatus.Healthy)
            {
                progress.SawHealthy();
                return result;
            }
        }

        return result;
    }

    private async Task<HealthCheckResult> AskAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.CheckHealthAsync(context, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // What Aspire's own caller would make of it, so that the next ask can still follow.
            return new HealthCheckResult(context.Registration.FailureStatus, ex.Message, ex);
        }
    }

    private async Task<bool> AcceptsConnectionAsync(EndpointReference endpoint, CancellationToken cancellationToken)
    {
        if (!endpoint.IsAllocated)
        {
            return false;
        }

        // The name is looked up once: a look-up ten times a second for each of a dozen resources was most of this loop's cost.
        progress.Addresses ??= await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        foreach (var address in progress.Addresses)
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(address, endpoint.Port, timeout.Token);
                return true;
            }
            catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Refused (not listening yet) or no answer: try the next address, if any.
            }
        }

        return false;
    }
}
