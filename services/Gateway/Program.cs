using Gateway;
using Gateway.DeadLetters;
using Gateway.OpenApi;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddGatewayServices();
builder.AddPublicApiDocument();
builder.AddDeadLetterApi();

var app = builder.Build();

app.UseGatewayFrontDoor();
app.MapDefaultEndpoints(authenticate: false); // its guards place authentication around the rate limiter
app.MapPublicApiDocument();
app.UseGatewayGuards();
app.MapDeadLetterApi();
app.MapUnknownApiPaths();
app.MapReverseProxy(proxy => proxy.UseGatewayProxyPipeline());

app.Run();
