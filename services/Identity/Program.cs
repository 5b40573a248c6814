using BuildingBlocks;
using Identity.Api;
using Identity.Api.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddIdentityServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapEventBusEndpoints();
app.MapAccountApi();
app.MapProfileApi();
app.MapTokenApi();

app.Run();
