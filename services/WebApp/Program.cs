using WebApp;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddStorefront();

var app = builder.Build();

app.UseStorefront();

app.Run();
