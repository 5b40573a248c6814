using FunctionsHost;
using FunctionsHost.Tests.SampleApp;
using Microsoft.Extensions.DependencyInjection;

await FunctionAppHost.RunAsync(args, typeof(Program).Assembly, builder => builder.Services.AddSingleton<TickCounter>());
