using System.Net;
using System.Net.Sockets;
using AppHost;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace IntegrationTests;

/// <summary>
/// The AppHost sees a starting resource ready as soon as its port accepts a connection, instead of on Aspire's back-off of
/// up to 5 s between checks, without asking a starting service's readiness more often (<see cref="StartupReadiness"/>).
/// </summary>
public class StartupReadinessTests
{
    // Long enough that a check which waited for it instead of the port would run into the test's deadline.
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Until_its_first_healthy_answer_a_check_asks_again_as_soon_as_the_resources_port_accepts_a_connection()
    {
        // Bound and not listening: connections are refused, and no other process can take the port meanwhile.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var resource = new ResourceWithPort("starting", ((IPEndPoint)socket.LocalEndPoint!).Port);
        // Not ready when first asked; the process then starts listening, and is ready from then on.
        var inner = new ScriptedCheck(ask => ask == 1 ? Listen(socket, HealthStatus.Unhealthy) : HealthStatus.Healthy);
        var check = Check(inner, resource.Endpoint, askInterval: Minute, window: Minute);

        var result = await check.CheckHealthAsync(Context()).WaitAsync(Deadline);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(2, inner.Asks);
    }

    [Fact]
    public async Task While_the_port_refuses_connections_the_resource_is_not_asked_again()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var resource = new ResourceWithPort("not-listening", ((IPEndPoint)socket.LocalEndPoint!).Port);
        var inner = new ScriptedCheck(_ => HealthStatus.Unhealthy);
        var check = Check(inner, resource.Endpoint, askInterval: Minute, window: TimeSpan.FromMilliseconds(300));

        var result = await check.CheckHealthAsync(Context()).WaitAsync(Deadline);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(1, inner.Asks);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a check that throws (connection refused) is asked again too, and its answer kept
    public async Task Without_a_port_to_watch_a_starting_resource_is_asked_again_within_one_check(bool firstAskThrows)
    {
        var inner = new ScriptedCheck(ask => ask switch
        {
            1 when firstAskThrows => throw new HttpRequestException("Connection refused"),
            < 3 => HealthStatus.Unhealthy,
            _ => HealthStatus.Healthy,
        });
        var check = Check(inner, endpoint: null, askInterval: TimeSpan.FromMilliseconds(1), window: Minute);

        var result = await check.CheckHealthAsync(Context()).WaitAsync(Deadline);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(3, inner.Asks);
    }

    [Fact]
    public async Task After_the_first_healthy_answer_each_check_asks_once()
    {
        var inner = new ScriptedCheck(ask => ask == 1 ? HealthStatus.Healthy : HealthStatus.Unhealthy);
        var registration = Registration(inner, endpoint: null, askInterval: TimeSpan.FromMilliseconds(1), window: Minute, giveUpAfter: Minute);

        Assert.Equal(HealthStatus.Healthy, (await Run(registration)).Status);
        var later = await Run(registration).WaitAsync(Deadline);

        Assert.Equal(HealthStatus.Unhealthy, later.Status);
        Assert.Equal(2, inner.Asks);
    }

    [Fact]
    public async Task A_resource_that_never_got_ready_is_asked_once_per_check_after_the_give_up_time()
    {
        var inner = new ScriptedCheck(_ => HealthStatus.Unhealthy);
        var registration = Registration(inner, endpoint: null, askInterval: TimeSpan.FromMilliseconds(1), window: Minute, giveUpAfter: TimeSpan.Zero);

        var result = await Run(registration).WaitAsync(Deadline);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(1, inner.Asks);
    }

    [Fact]
    public async Task In_run_mode_the_apphost_wraps_its_checks_of_postgres_and_redis()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--Infrastructure:Mode=local", $"--LocalInfrastructure:DataDirectory={Path.Combine(Path.GetTempPath(), "ecommerce-model-tests")}"]);
        await using var app = await builder.BuildAsync();

        var registrations = app.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        Assert.All(new[] { "postgres_local_check", "redis_local_check" },
            name => Assert.IsType<FirstReadinessCheck>(registrations.Single(r => r.Name == name).Factory(app.Services)));
    }

    private static HealthCheckRegistration Registration(IHealthCheck inner, EndpointReference? endpoint, TimeSpan askInterval, TimeSpan window, TimeSpan giveUpAfter) =>
        FirstReadinessCheck.Wrap(new HealthCheckRegistration("resource_check", inner, failureStatus: null, tags: null),
            new FirstReadinessCheck.Settings(endpoint, TimeSpan.FromMilliseconds(10), askInterval, window, giveUpAfter), TimeProvider.System);

    private static IHealthCheck Check(IHealthCheck inner, EndpointReference? endpoint, TimeSpan askInterval, TimeSpan window) =>
        Registration(inner, endpoint, askInterval, window, giveUpAfter: Minute).Factory(null!);

    private static Task<HealthCheckResult> Run(HealthCheckRegistration registration) =>
        registration.Factory(null!).CheckHealthAsync(new HealthCheckContext { Registration = registration });

    private static HealthCheckContext Context() =>
        new() { Registration = new HealthCheckRegistration("resource_check", new ScriptedCheck(_ => HealthStatus.Healthy), null, null) };

    private static HealthStatus Listen(Socket socket, HealthStatus answer)
    {
        socket.Listen();
        return answer;
    }

    /// <summary>Answers each ask (numbered from 1) as told, and counts them.</summary>
    private sealed class ScriptedCheck(Func<int, HealthStatus> answer) : IHealthCheck
    {
        private int _asks;

        public int Asks => Volatile.Read(ref _asks);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(new HealthCheckResult(answer(Interlocked.Increment(ref _asks))));
    }

    /// <summary>A resource whose one endpoint is allocated on a given port of this machine.</summary>
    private sealed class ResourceWithPort : Resource, IResourceWithEndpoints
    {
        public ResourceWithPort(string name, int port) : base(name)
        {
            var annotation = new EndpointAnnotation(ProtocolType.Tcp, uriScheme: "tcp", name: "tcp", port: port, isProxied: false);
            annotation.AllocatedEndpoint = new AllocatedEndpoint(annotation, "localhost", port);
            Annotations.Add(annotation);
            Endpoint = new EndpointReference(this, annotation);
        }

        public EndpointReference Endpoint { get; }
    }
}
