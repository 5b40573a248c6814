namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Builds the gateway. Kept out of Program.cs so tests can build the very same app with their own
/// configuration (backends, limits, timeouts) and run it on Kestrel.
/// </summary>
public static class GatewayApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Named explicitly so that a test host builds the same application (telemetry source, content).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(GatewayApp).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);

        builder.AddServiceDefaults();
        builder.AddGatewayServices();
        builder.AddPublicApiDocument();

        var app = builder.Build();

        app.UseGatewayFrontDoor();
        app.MapDefaultEndpoints();
        app.MapPublicApiDocument();
        app.UseGatewayGuards();
        app.MapReverseProxy(proxy => proxy.UseGatewayProxyPipeline());

        return app;
    }
}
