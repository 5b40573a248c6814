using BuildingBlocks;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddCatalogServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapCatalogApi();
app.MapEventBusEndpoints();

app.Run();

/// <summary>Marks this assembly for tests: in .NET 10 every web project's <c>Program</c> is public.</summary>
public sealed class CatalogApiMarker;
