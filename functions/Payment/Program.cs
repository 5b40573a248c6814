using FunctionsHost;
using Microsoft.Extensions.Hosting;

// Under the Azure Functions host this is a Functions isolated-worker app; elsewhere (this machine,
// the local AppHost) the same [Function] methods are served by a plain ASP.NET Core process.
await FunctionAppHost.RunAsync(args, builder => builder.AddPaymentServices());
