using Basket.Api;
using Basket.Api.Apis;
using Basket.Api.Grpc;
using BuildingBlocks;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddBasketServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapEventBusEndpoints();
app.MapBasketApi();
app.MapGrpcService<BasketGrpcService>();

app.Run();
