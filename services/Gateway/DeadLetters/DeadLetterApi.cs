using System.Net;
using System.Text.Json;
using Gateway.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Gateway.DeadLetters;

/// <summary>The services whose dead letters the gateway lists (configuration <c>Gateway:DeadLetters</c>).</summary>
public sealed class DeadLetterOptions
{
    public const string SectionName = "DeadLetters";

    /// <summary>
    /// Service names (resolved by service discovery) that keep dead letters of their own: the native event bus.
    /// Empty where a broker keeps them (Dapr on Kafka: the <c>{topic}.deadletter</c> topics).
    /// </summary>
    public string[] Services { get; set; } = [];

    /// <summary>How long the list waits for one service; one that does not answer is shown as unavailable.</summary>
    public TimeSpan ListTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>One service's dead letters, or why they could not be listed.</summary>
/// <param name="Service">The service (its consumer group).</param>
/// <param name="State"><c>listed</c>; <c>not-kept</c> (the service runs on Dapr: the broker keeps them); or <c>unavailable</c>.</param>
/// <param name="Letters">As the service lists them: <c>{id, topic, reason, attempts, failedAt, event, replays}</c>.</param>
public sealed record DeadLetterSource(string Service, string State, JsonElement[] Letters);

/// <summary>
/// Administrators' view of the event bus's dead letters: one list over every service that keeps them, and
/// replay per service and topic. The services' own dead-letter routes are internal and not proxied; the
/// gateway calls them with the administrator's token, which they accept, so no identity is widened.
/// </summary>
public static class DeadLetterApi
{
    public const string HttpClientName = "dead-letters";

    public static void AddDeadLetterApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DeadLetterOptions>()
            .BindConfiguration($"{GatewayServiceExtensions.SectionName}:{DeadLetterOptions.SectionName}");
        builder.Services.AddHttpClient(HttpClientName);
    }

    public static WebApplication MapDeadLetterApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/admin/deadletters")
            .WithTags("Dead letters")
            .RequireAuthorization(AuthenticationExtensions.AdminPolicy)
            .RequireRateLimiting(ClientRateLimiterPolicy.Name)
            .ExcludeFromDescription();
        api.MapGet("", ListAsync).WithName("ListDeadLetters");
        api.MapPost("/{service}/{topic}/replay", ReplayAsync).WithName("ReplayDeadLetters");
        return app;
    }

    public static async Task<Ok<DeadLetterSource[]>> ListAsync(HttpContext context, IHttpClientFactory httpClients,
        IOptions<DeadLetterOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var client = httpClients.CreateClient(HttpClientName);
        var sources = await Task.WhenAll(options.Value.Services.Select(async service =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.ListTimeout);
            try
            {
                using var request = AsAdministrator(context, HttpMethod.Get, $"http://{service}/events/deadletters");
                using var response = await client.SendAsync(request, timeout.Token);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return new DeadLetterSource(service, "not-kept", []);
                }

                response.EnsureSuccessStatusCode();
                var letters = await response.Content.ReadFromJsonAsync<JsonElement[]>(timeout.Token) ?? [];
                return new DeadLetterSource(service, "listed", letters);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Down, frozen, refusing: the other services' letters are still worth showing.
                loggers.CreateLogger(typeof(DeadLetterApi)).LogWarning("Could not list the dead letters of {Service}: {Error}", service, ex.Message);
                return new DeadLetterSource(service, "unavailable", []);
            }
        }));
        return TypedResults.Ok(sources);
    }

    public static async Task<Results<Ok<JsonElement>, ProblemHttpResult>> ReplayAsync(string service, string topic, HttpContext context,
        IHttpClientFactory httpClients, IOptions<DeadLetterOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!options.Value.Services.Contains(service, StringComparer.Ordinal))
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["service"] = [$"Unknown service '{service}'."] })
            {
                Status = StatusCodes.Status404NotFound,
                Title = "No such service",
                Detail = $"'{service}' keeps no dead letters here; the services that do are: {string.Join(", ", options.Value.Services)}.",
            });
        }

        try
        {
            using var request = AsAdministrator(context, HttpMethod.Post, $"http://{service}/events/deadletters/{Uri.EscapeDataString(topic)}/replay");
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No dead letters kept",
                    detail: $"'{service}' runs on Dapr here: the broker keeps its dead letters (topic '{topic}.deadletter').");
            }

            response.EnsureSuccessStatusCode();
            return TypedResults.Ok(await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            loggers.CreateLogger(typeof(DeadLetterApi)).LogWarning("Could not replay the dead letters of {Service}, {Topic}: {Error}", service, topic, ex.Message);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The service did not replay",
                detail: $"'{service}' could not be reached or failed ({ex.Message}). Nothing was lost: its letters stay; try again.");
        }
    }

    /// <summary>A request to a service's dead-letter routes with the calling administrator's token, which they accept.</summary>
    private static HttpRequestMessage AsAdministrator(HttpContext context, HttpMethod method, string address)
    {
        var request = new HttpRequestMessage(method, address);
        request.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers.Authorization.ToString());
        return request;
    }
}
