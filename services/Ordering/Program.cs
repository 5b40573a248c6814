using BuildingBlocks;
using Ordering.Api;
using Ordering.Api.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddOrderingServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapEventBusEndpoints();
app.MapOrdersApi();
app.MapPaymentTokensApi();

app.Run();
