using BuildingBlocks;
using Basket.Api.Grpc;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Builds the Basket application. Kept out of Program.cs so tests can build the very same app with
/// their own configuration and run it on Kestrel.
/// </summary>
public static class BasketApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Named explicitly so that a test host builds the same application (telemetry source, event bus group).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(BasketApp).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);

        builder.AddServiceDefaults();
        builder.AddBasketServices();

        var app = builder.Build();

        app.MapDefaultEndpoints();
        app.MapEventBusEndpoints();
        app.MapBasketApi();
        app.MapGrpcService<BasketGrpcService>();

        return app;
    }
}
