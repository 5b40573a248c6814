using BuildingBlocks;
using FunctionsHost;
using Payment;

// Under the Azure Functions host this is a Functions isolated-worker app; elsewhere (this machine,
// the local AppHost) the same [Function] methods are served by a plain ASP.NET Core process.
await FunctionAppHost.RunAsync(args, typeof(Program).Assembly, builder => builder.AddPaymentServices(), app => app.MapDeadLetterEndpoints());
