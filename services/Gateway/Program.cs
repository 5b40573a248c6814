using Gateway;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddGatewayServices();

var app = builder.Build();

app.UseGatewayFrontDoor();
app.MapDefaultEndpoints();
app.UseGatewayGuards();
app.MapReverseProxy(proxy => proxy.UseGatewayProxyPipeline());

app.Run();
