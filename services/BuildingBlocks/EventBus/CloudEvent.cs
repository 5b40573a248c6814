using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BuildingBlocks.EventBus;

/// <summary>
/// A CloudEvents 1.0 envelope (structured JSON mode) around an integration event, with the W3C
/// <c>traceparent</c> extension so that one trace spans producer and consumer, and a partition key
/// (the aggregate id) that keeps one aggregate's events in order.
/// </summary>
public sealed record CloudEvent
{
    public const string JsonContentType = "application/json";
    public const string CloudEventsContentType = "application/cloudevents+json";

    [JsonPropertyName("specversion")] public string SpecVersion { get; init; } = "1.0";
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("source")] public required string Source { get; init; }
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("time")] public required DateTimeOffset Time { get; init; }
    [JsonPropertyName("datacontenttype")] public string DataContentType { get; init; } = JsonContentType;
    [JsonPropertyName("traceparent")] public string? TraceParent { get; init; }
    [JsonPropertyName("tracestate")] public string? TraceState { get; init; }
    [JsonPropertyName("partitionkey")] public string? PartitionKey { get; init; }
    [JsonPropertyName("data")] public required JsonElement Data { get; init; }

    /// <summary>The topic is the event type: one topic per integration event type.</summary>
    [JsonIgnore] public string Topic => Type;

    public static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web);

    /// <summary>Wraps an event; the current activity (if any) becomes the consumer's parent span.</summary>
    public static CloudEvent Create(IntegrationEvent @event, string source, string? partitionKey = null) => new()
    {
        Id = @event.Id.ToString(),
        Source = source,
        Type = IntegrationEvent.TopicOf(@event.GetType()),
        Time = @event.OccurredAt,
        TraceParent = Activity.Current?.Id is { } id && Activity.Current.IdFormat == ActivityIdFormat.W3C ? id : null,
        TraceState = Activity.Current?.TraceStateString,
        PartitionKey = partitionKey,
        Data = JsonSerializer.SerializeToElement(@event, @event.GetType(), SerializerOptions),
    };

    public string ToJson() => JsonSerializer.Serialize(this, SerializerOptions);

    public static CloudEvent FromJson(string json) =>
        JsonSerializer.Deserialize<CloudEvent>(json, SerializerOptions)
        ?? throw new JsonException("A CloudEvent cannot be null.");
}
