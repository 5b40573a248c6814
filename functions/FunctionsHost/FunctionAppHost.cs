using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsHost;

/// <summary>
/// Starts a function app on the right path: the Azure Functions isolated worker when the Functions host
/// launched the process, otherwise a plain ASP.NET Core app that serves the same <c>[Function]</c> methods
/// (this machine and local runs have no <c>func</c>). Function bodies never know which path they run on.
/// </summary>
public static class FunctionAppHost
{
    private const string DefaultRoutePrefix = "api";

    /// <summary>True when the Azure Functions host started this process.</summary>
    /// <param name="args">The process arguments; the host passes <c>--functions-uri</c> and <c>--host</c>.</param>
    /// <param name="configuration">Checked for <c>Functions:Worker:HostEndpoint</c> and <c>AZURE_FUNCTIONS_NATIVE_HOST</c>.</param>
    public static bool IsUnderFunctionsHost(string[] args, IConfiguration configuration) =>
        args.Any(a => a is "--functions-uri" or "--host"
            || a.StartsWith("--functions-uri=", StringComparison.Ordinal) || a.StartsWith("--host=", StringComparison.Ordinal))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AZURE_FUNCTIONS_NATIVE_HOST"))
        || !string.IsNullOrEmpty(configuration["AZURE_FUNCTIONS_NATIVE_HOST"])
        || !string.IsNullOrEmpty(configuration["Functions:Worker:HostEndpoint"]);

    /// <summary>
    /// Builds and runs the app on the right path.
    /// </summary>
    /// <param name="args">The process arguments.</param>
    /// <param name="functionsAssembly">The function app's assembly (<c>typeof(Program).Assembly</c>): named, not taken
    /// from the entry assembly, which is the test runner's when a test host runs the app's Program.</param>
    /// <param name="configure">Adds the app's services; it receives the host builder on either path.</param>
    /// <param name="map">Maps extra endpoints; called on the plain path only (the Functions host owns routing).</param>
    public static async Task RunAsync(string[] args, Assembly functionsAssembly, Action<IHostApplicationBuilder> configure, Action<WebApplication>? map = null)
    {
        // The decision is needed before either builder exists, so read the same sources they would.
        var probe = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        if (IsUnderFunctionsHost(args, probe))
        {
            var builder = FunctionsApplication.CreateBuilder(args);
            builder.ConfigureFunctionsWebApplication();
            var policies = Discover(functionsAssembly, ReadRoutePrefix())
                .Where(f => FunctionAuthorization.PolicyOf(f.Method) is not null)
                .ToDictionary(f => f.Info.Name, f => FunctionAuthorization.PolicyOf(f.Method)!, StringComparer.Ordinal);
            var authorization = new FunctionAuthorization.Middleware(policies);
            builder.UseMiddleware(authorization.InvokeAsync);
            builder.AddServiceDefaults();
            configure(builder);
            await builder.Build().RunAsync();
            return;
        }

        await BuildPlain(args, functionsAssembly, configure, map).RunAsync();
    }

    /// <summary>
    /// The plain path, for tests: builds (does not run) the <see cref="WebApplication"/> serving the
    /// <c>[Function]</c> methods of <paramref name="functionsAssembly"/>. HTTP functions are mapped under the
    /// host.json <c>extensions.http.routePrefix</c> (default <c>api</c>) without authorization keys; timer
    /// functions run as hosted services and fire once per replica: a function that must run once per
    /// cluster takes a distributed lock itself.
    /// </summary>
    /// <exception cref="InvalidOperationException">A function uses a trigger, binding, parameter or return type the plain path cannot serve.</exception>
    public static WebApplication BuildPlain(string[] args, Assembly functionsAssembly, Action<IHostApplicationBuilder> configure, Action<WebApplication>? map = null)
    {
        var functions = Discover(functionsAssembly, ReadRoutePrefix());
        var builder = WebApplication.CreateBuilder(args);
        // Before ServiceDefaults' transformers, so that the error answers they add see the parameters and body.
        builder.Services.Configure<OpenApiOptions>(OpenApiDefaults.DocumentName, options => options.AddOperationTransformer<FunctionOperationTransformer>());
        builder.AddServiceDefaults();
        configure(builder);
        builder.Services.AddMvcCore(); // executes the IActionResult values the functions return
        foreach (var type in functions.Where(f => !f.Method.IsStatic).Select(f => f.Method.DeclaringType!).Distinct())
        {
            builder.Services.TryAddScoped(type);
        }

        foreach (var function in functions.Where(f => f.Info.Trigger == TimerTrigger))
        {
            // Resolved now so that a missing %Setting% or a bad expression fails the start, not the first tick.
            var schedule = TimerFunctionService.Parse(function.Info.Name, function.Info.Schedule!, builder.Configuration);
            var runOnStartup = function.Trigger is TimerTriggerAttribute { RunOnStartup: true };
            builder.Services.AddSingleton<IHostedService>(services => new TimerFunctionService(
                function.Method, schedule, runOnStartup, services,
                services.GetRequiredService<ILoggerFactory>().CreateLogger($"Function.{function.Info.Name}")));
        }

        var app = builder.Build();
        app.MapDefaultEndpoints();
        foreach (var function in functions.Where(f => f.Info.Trigger == HttpTrigger))
        {
            var pattern = "/" + function.Info.Route;
            var handler = HttpHandler(function.Method);
            var endpoint = function.Info.Methods.Count == 0
                ? app.Map(pattern, handler)
                : app.MapMethods(pattern, function.Info.Methods, handler);
            FunctionEndpointMetadata.Describe(endpoint, function.Method, function.Info.Name, functionsAssembly.GetName().Name!);
        }

        map?.Invoke(app);
        return app;
    }

    /// <summary>What the plain path serves, for comparison with functions.metadata.</summary>
    /// <param name="functionsAssembly">The function app's assembly.</param>
    /// <param name="routePrefix">Prefix of HTTP routes, as host.json's <c>extensions.http.routePrefix</c>; empty for none.</param>
    /// <exception cref="InvalidOperationException">A function the plain path cannot serve.</exception>
    public static IReadOnlyList<PlainFunction> Describe(Assembly functionsAssembly, string routePrefix = DefaultRoutePrefix) =>
        Discover(functionsAssembly, routePrefix).Select(f => f.Info).ToList();

    internal const string HttpTrigger = "httpTrigger";
    internal const string TimerTrigger = "timerTrigger";

    private sealed record Discovered(PlainFunction Info, MethodInfo Method, TriggerBindingAttribute Trigger);

    private static List<Discovered> Discover(Assembly assembly, string routePrefix)
    {
        var found = new List<Discovered>();
        var problems = new List<string>();
        var methods = assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>()))
            .Where(x => x.Function is not null)
            .OrderBy(x => x.Function!.Name, StringComparer.Ordinal);
        foreach (var (method, function) in methods)
        {
            var where = $"{method.DeclaringType!.FullName}.{method.Name} (function '{function!.Name}')";
            var triggers = method.GetParameters().Select(p => p.GetCustomAttribute<TriggerBindingAttribute>()).OfType<TriggerBindingAttribute>().ToList();
            var problem = triggers.Count != 1 ? "has no single trigger parameter"
                : method.GetParameters().Any(p => p.ParameterType == typeof(FunctionContext)) ? "takes a FunctionContext, which only the Functions host provides"
                : method.GetParameters().FirstOrDefault(p => p.GetCustomAttribute<BindingAttribute>() is { } b && b is not TriggerBindingAttribute) is { } bound
                    ? $"has input binding '{bound.Name}', which the plain path does not support"
                : method.ReturnParameter.GetCustomAttribute<BindingAttribute>() is { } output ? $"has output binding {output.GetType().Name}, which the plain path does not support"
                : null;
            problem ??= triggers[0] switch
            {
                HttpTriggerAttribute http => CheckHttp(method, http, routePrefix, function.Name, found),
                TimerTriggerAttribute timer => CheckTimer(method, timer, function.Name, found),
                var other => $"uses trigger {other.GetType().Name}, which the plain path does not support",
            };
            if (problem is not null)
            {
                problems.Add($"{where} {problem}.");
            }
        }

        return problems.Count == 0 ? found : throw new InvalidOperationException(
            "These functions cannot be served without the Azure Functions host:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    private static string? CheckHttp(MethodInfo method, HttpTriggerAttribute trigger, string prefix, string name, List<Discovered> found)
    {
        var route = trigger.Route ?? name;
        var routeValues = RoutePatternFactory.Parse(route).Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in method.GetParameters())
        {
            var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
            var ok = parameter.ParameterType == typeof(HttpRequest) && parameter.GetCustomAttribute<HttpTriggerAttribute>() is not null
                || parameter.ParameterType == typeof(CancellationToken)
                || routeValues.Contains(parameter.Name!) && RouteValue.Supports(type);
            if (!ok)
            {
                return $"has parameter '{parameter.ParameterType.Name} {parameter.Name}'; supported are the HttpRequest trigger, route values (string, int, long, Guid) and CancellationToken";
            }
        }

        var returns = Unwrap(method.ReturnType);
        if (returns != typeof(void) && !typeof(IActionResult).IsAssignableFrom(returns) && !typeof(IResult).IsAssignableFrom(returns))
        {
            return $"returns {method.ReturnType.Name}; supported are IActionResult, IResult, their Tasks, Task and void";
        }

        var methods = (trigger.Methods ?? []).Select(m => m.ToUpperInvariant()).ToList();
        var fullRoute = prefix.Length == 0 ? route : $"{prefix.Trim('/')}/{route}";
        found.Add(new(new PlainFunction(name, HttpTrigger, fullRoute, methods, null), method, trigger));
        return null;
    }

    private static string? CheckTimer(MethodInfo method, TimerTriggerAttribute trigger, string name, List<Discovered> found)
    {
        if (method.GetParameters().FirstOrDefault(p => p.ParameterType != typeof(TimerInfo) && p.ParameterType != typeof(CancellationToken)) is { } other)
        {
            return $"has parameter '{other.ParameterType.Name} {other.Name}'; supported are TimerInfo and CancellationToken";
        }

        if (Unwrap(method.ReturnType) != typeof(void))
        {
            return $"returns {method.ReturnType.Name}; a timer function returns Task or void";
        }

        found.Add(new(new PlainFunction(name, TimerTrigger, null, [], trigger.Schedule), method, trigger));
        return null;
    }

    /// <summary>The type a method produces once awaited: T for Task&lt;T&gt;, void for Task.</summary>
    private static Type Unwrap(Type type) =>
        type == typeof(Task) ? typeof(void)
        : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>) ? type.GetGenericArguments()[0]
        : type;

    private static RequestDelegate HttpHandler(MethodInfo method)
    {
        var parameters = method.GetParameters();
        return async context =>
        {
            var arguments = new object?[parameters.Length];
            for (var i = 0; i < parameters.Length; i++)
            {
                var parameter = parameters[i];
                if (parameter.ParameterType == typeof(HttpRequest))
                {
                    arguments[i] = context.Request;
                }
                else if (parameter.ParameterType == typeof(CancellationToken))
                {
                    arguments[i] = context.RequestAborted;
                }
                else if (!RouteValue.TryConvert(context.Request.RouteValues[parameter.Name!]?.ToString(), parameter, out arguments[i]))
                {
                    // Named like a model-binding failure so clients can point at the field.
                    await TypedResults.ValidationProblem(new Dictionary<string, string[]>
                    {
                        [parameter.Name!] = [$"'{context.Request.RouteValues[parameter.Name!]}' is not a valid value for '{parameter.Name}'."],
                    }).ExecuteAsync(context);
                    return;
                }
            }

            var target = method.IsStatic ? null : ActivatorUtilities.GetServiceOrCreateInstance(context.RequestServices, method.DeclaringType!);
            var result = await Invoke(method, target, arguments);
            switch (result)
            {
                case IActionResult action:
                    await action.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                    break;
                case IResult http:
                    await http.ExecuteAsync(context);
                    break;
            }
        };
    }

    /// <summary>Calls a function and awaits it; returns what it produced (null for void and Task).</summary>
    internal static async Task<object?> Invoke(MethodInfo method, object? target, object?[] arguments)
    {
        // DoNotWrapExceptions: a function's exception surfaces as itself, not as a TargetInvocationException.
        var result = method.Invoke(target, BindingFlags.DoNotWrapExceptions, null, arguments, null);
        if (result is not Task task)
        {
            return result;
        }

        await task;
        return Unwrap(method.ReturnType) == typeof(void) ? null : task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task);
    }

    /// <summary>host.json's <c>extensions.http.routePrefix</c> beside the app, else <c>api</c> as the Functions host does.</summary>
    private static string ReadRoutePrefix()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "host.json");
        if (!File.Exists(path))
        {
            return DefaultRoutePrefix;
        }

        using var json = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return json.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            && prefix.ValueKind == JsonValueKind.String
            ? prefix.GetString()!
            : DefaultRoutePrefix;
    }
}

/// <summary>A function as the plain path serves it.</summary>
/// <param name="Name">The <c>[Function]</c> name.</param>
/// <param name="Trigger"><c>httpTrigger</c> or <c>timerTrigger</c>, as functions.metadata spells them.</param>
/// <param name="Route">For HTTP, the route template including the route prefix (no leading slash); else null.</param>
/// <param name="Methods">For HTTP, the upper-case methods; empty means any method.</param>
/// <param name="Schedule">For timers, the schedule as written (with any <c>%Setting%</c> unresolved); else null.</param>
public sealed record PlainFunction(string Name, string Trigger, string? Route, IReadOnlyList<string> Methods, string? Schedule);
