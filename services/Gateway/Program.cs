var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddGatewayServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapReverseProxy();

app.Run();

/// <summary>Marks this assembly for tests: in .NET 10 every web project's <c>Program</c> is public.</summary>
public sealed class GatewayMarker;
