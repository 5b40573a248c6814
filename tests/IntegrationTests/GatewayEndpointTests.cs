using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace IntegrationTests;

/// <summary>
/// How the AppHost exposes the gateway (the model only; nothing is started): on a developer's machine it listens
/// on 5080 itself, without DCP's endpoint proxy in front of it (which halved the requests it served); where the
/// ports are randomized, as in the test host that runs several platforms at once, it keeps the proxy and gets a
/// port of its own.
/// </summary>
public class GatewayEndpointTests
{
    [Theory]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public async Task The_gateway_listens_on_5080_itself_unless_ports_are_randomized(string randomizePorts, bool proxied)
    {
        // The builder's model, not a built application: disposing one that was never started took 30 s whenever another
        // platform was starting in the same test process (in every full run), and nothing here needs it.
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--Infrastructure:Mode=local", $"--DcpPublisher:RandomizePorts={randomizePorts}"]);

        var gateway = builder.Resources.Single(r => r.Name == "gateway");
        var http = gateway.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http");

        Assert.Equal(proxied, http.IsProxied);
        Assert.Equal(5080, http.Port);
        Assert.Equal(proxied ? null : 5080, http.TargetPort);
    }
}
