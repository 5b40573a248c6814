using BuildingBlocks;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Builds the Identity application. Kept out of Program.cs so tests can build the very same app with
/// their own configuration and run it on Kestrel.
/// </summary>
public static class IdentityApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Named explicitly so that a test host builds the same application (telemetry source, event bus group).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(IdentityApp).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);

        builder.AddServiceDefaults();
        builder.AddIdentityServices();

        var app = builder.Build();

        app.MapDefaultEndpoints();
        app.MapEventBusEndpoints();
        app.MapAccountApi();
        app.MapProfileApi();

        return app;
    }
}
