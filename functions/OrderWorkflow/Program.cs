using BuildingBlocks;
using FunctionsHost;
using OrderWorkflow;

// Under the Azure Functions host this is a Functions isolated-worker app; elsewhere (this machine,
// the local AppHost) the same [Function] methods are served by a plain ASP.NET Core process, which
// also receives the workflow's events (the native bus's consumer; under a Dapr sidecar, locally as in a cluster, the declarative subscriptions
// of dapr/subscriptions call its events/{topic} trigger, so it announces no /dapr/subscribe).
await FunctionAppHost.RunAsync(args, typeof(Program).Assembly, builder => builder.AddOrderWorkflowServices(), app => app.MapDeadLetterEndpoints());
