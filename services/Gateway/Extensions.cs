namespace Microsoft.Extensions.Hosting;

public static class GatewayServiceExtensions
{
    /// <summary>
    /// YARP with routes and clusters from the "ReverseProxy" configuration section. Cluster
    /// destinations name services ("http://catalog"), resolved by service discovery: Aspire's
    /// environment variables locally, Kubernetes DNS in a cluster.
    /// </summary>
    public static void AddGatewayServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddServiceDiscoveryDestinationResolver();
    }
}
