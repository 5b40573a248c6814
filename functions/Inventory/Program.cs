using BuildingBlocks;
using FunctionsHost;
using Inventory;

// Under the Azure Functions host this is a Functions isolated-worker app; elsewhere (this machine,
// the local AppHost) the same [Function] methods are served by a plain ASP.NET Core process, which
// also receives Inventory's events (native bus, or Dapr's topic routes).
await FunctionAppHost.RunAsync(args, typeof(Program).Assembly, builder => builder.AddInventoryServices(), app => app.MapEventBusEndpoints());
