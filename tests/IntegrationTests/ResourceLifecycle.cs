using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// Stops and starts AppHost resources and waits for what a client would see: the endpoint going quiet
/// or answering ready. The AppHost's commands are retried until they take, because under load a command
/// can be refused while the resource is between states.
/// </summary>
public static class ResourceLifecycle
{
    /// <summary>Sends the stop command until the resource's endpoint no longer answers /health/live.</summary>
    public static async Task StopAsync(this DistributedApplication app, string resource, TimeSpan timeout)
    {
        using var client = app.CreateHttpClient(resource);
        client.Timeout = TimeSpan.FromSeconds(2);
        await Eventually.UntilAsync(async () =>
        {
            if (!await AnswersAsync(client, "/health/live"))
            {
                return (Down: true, Message: "");
            }

            var result = await app.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StopCommand);
            return (Down: result.Success && !await AnswersAsync(client, "/health/live"), Message: result.Message ?? "");
        }, stop => stop.Down, timeout, $"{resource} to stop answering");
    }

    /// <summary>
    /// Sends the AppHost's start command until it is accepted, then polls the resource's own readiness
    /// endpoint until it answers 200. Waiting on the notification service instead raced: right after the
    /// start command the last snapshot can still read "Exited", which the healthy-wait treats as a failed
    /// start, and a snapshot that moves to "Unknown" never yields at all.
    /// </summary>
    public static async Task StartAgainAsync(this DistributedApplication app, string resource, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        using var client = app.CreateHttpClient(resource);
        client.Timeout = TimeSpan.FromSeconds(5);
        // A start refused because the resource was still between states is sent again; one that took
        // while reporting failure shows up as an endpoint that answers.
        await Eventually.UntilAsync(async () =>
            {
                var result = await app.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand);
                return (Started: result.Success || await AnswersAsync(client, "/health/live"), result.Message);
            },
            result => result.Started,
            timeout,
            $"the AppHost to accept the start command for {resource}");

        try
        {
            await Eventually.UntilAsync(() => AnswersAsync(client, "/health/ready"), ready => ready, Remaining(deadline), $"{resource} to answer /health/ready after its start command");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}{Environment.NewLine}Last log lines of {resource}:{Environment.NewLine}{await LastLogLinesAsync(app, resource, 40)}", ex);
        }
    }

    /// <summary>The tail of the resource's console output, so a failed restart explains itself in the test result.</summary>
    private static async Task<string> LastLogLinesAsync(DistributedApplication app, string resource, int count)
    {
        if (!app.ResourceNotifications.TryGetCurrentState(resource, out var state))
        {
            return "(no such resource)";
        }

        var lines = await app.LogLinesAsync(resource);
        return $"state {state.Snapshot.State?.Text}, health {state.Snapshot.HealthStatus}{Environment.NewLine}{string.Join(Environment.NewLine, lines.TakeLast(count))}";
    }

    /// <summary>Every line of the resource's console output the AppHost kept (all its runs), oldest first.</summary>
    public static async Task<IReadOnlyList<string>> LogLinesAsync(this DistributedApplication app, string resource)
    {
        if (!app.ResourceNotifications.TryGetCurrentState(resource, out var state))
        {
            return [];
        }

        var lines = new List<string>();
        await foreach (var batch in app.Services.GetRequiredService<ResourceLoggerService>().GetAllAsync(state.ResourceId))
        {
            lines.AddRange(batch.Select(line => line.Content));
        }

        return lines;
    }

    private static async Task<bool> AnswersAsync(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(path);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static TimeSpan Remaining(DateTime deadline) =>
        deadline > DateTime.UtcNow ? deadline - DateTime.UtcNow : TimeSpan.Zero;
}
