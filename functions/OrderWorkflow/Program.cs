using BuildingBlocks;
using FunctionsHost;
using OrderWorkflow;

// Under the Azure Functions host this is a Functions isolated-worker app; elsewhere (this machine,
// the local AppHost) the same [Function] methods are served by a plain ASP.NET Core process, which
// also receives the workflow's events (native bus, or Dapr's topic routes).
await FunctionAppHost.RunAsync(args, typeof(Program).Assembly, builder => builder.AddOrderWorkflowServices(), app => app.MapEventBusEndpoints());
