using Gateway;
using Gateway.OpenApi;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddGatewayServices();
builder.AddPublicApiDocument();

var app = builder.Build();

app.UseGatewayFrontDoor();
app.MapDefaultEndpoints();
app.MapPublicApiDocument();
app.UseGatewayGuards();
app.MapUnknownApiPaths();
app.MapReverseProxy(proxy => proxy.UseGatewayProxyPipeline());

app.Run();
