using FunctionsHost;
using FunctionsHost.Tests.SampleApp;
using Microsoft.Extensions.DependencyInjection;

await FunctionAppHost.RunAsync(args, builder => builder.Services.AddSingleton<TickCounter>());
