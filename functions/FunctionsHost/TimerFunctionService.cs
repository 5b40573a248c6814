using System.Reflection;
using System.Text.RegularExpressions;
using Cronos;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsHost;

/// <summary>
/// Fires one <c>[TimerTrigger]</c> function on its schedule (UTC, as the Functions host by default). It fires in
/// every replica: a function that must run once per cluster takes a distributed lock. A failing run is logged
/// and the next occurrence still fires.
/// </summary>
internal sealed partial class TimerFunctionService(
    MethodInfo method, CronExpression schedule, bool runOnStartup, IServiceProvider services, ILogger logger) : BackgroundService
{
    /// <summary>
    /// Resolves <c>%Setting%</c> placeholders from configuration, as the Functions host does, and parses the
    /// NCRONTAB expression: six fields (with seconds) as in Azure Functions, or five.
    /// </summary>
    public static CronExpression Parse(string function, string schedule, IConfiguration configuration)
    {
        var resolved = Placeholder().Replace(schedule, match => configuration[match.Groups[1].Value]
            ?? throw new InvalidOperationException($"Timer function '{function}': setting '{match.Groups[1].Value}' named by its schedule '{schedule}' is not configured."));
        var fields = resolved.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            return CronExpression.Parse(resolved, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw new InvalidOperationException($"Timer function '{function}': schedule '{resolved}' is not a cron expression: {e.Message}", e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var last = DateTime.MinValue;
        if (runOnStartup)
        {
            await RunAsync(last, stoppingToken);
        }

        // Each occurrence is computed from the previous one so an early wake-up never fires the same one twice;
        // occurrences missed while a run was still going are skipped, not queued.
        var from = DateTime.UtcNow;
        while (schedule.GetNextOccurrence(from, TimeZoneInfo.Utc) is { } next)
        {
            var delay = next - DateTime.UtcNow;
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }

            await RunAsync(last, stoppingToken);
            last = next;
            from = DateTime.UtcNow > next ? DateTime.UtcNow : next;
        }
    }

    private async Task RunAsync(DateTime last, CancellationToken stoppingToken)
    {
        var now = DateTime.UtcNow;
        var timer = new TimerInfo
        {
            ScheduleStatus = new ScheduleStatus { Last = last, Next = schedule.GetNextOccurrence(now, TimeZoneInfo.Utc) ?? DateTime.MaxValue, LastUpdated = now },
        };
        try
        {
            await using var scope = services.CreateAsyncScope();
            var target = method.IsStatic ? null : ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, method.DeclaringType!);
            var arguments = method.GetParameters()
                .Select(p => p.ParameterType == typeof(TimerInfo) ? timer : (object)stoppingToken)
                .ToArray();
            await FunctionAppHost.Invoke(method, target, arguments);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception e)
        {
            LogFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer function run failed; the next occurrence will still fire.")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex Placeholder();
}
