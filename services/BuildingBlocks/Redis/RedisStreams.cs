namespace BuildingBlocks.Redis;

/// <summary>Key names of the native (Redis Streams) event bus.</summary>
internal static class RedisStreams
{
    /// <summary>
    /// Pub/sub channel on which publishers announce "the topic has new entries" to wake its consumers. One
    /// per topic: a process hears only of the topics it consumes, not of every event on the bus.
    /// </summary>
    public static string NotifyChannel(string topic) => $"events:{topic}:notify";

    public const string EventField = "event";

    public static string Stream(string topic) => $"events:{topic}";

    /// <summary>Dead letters are per consumer group: a message poisonous to one service may be fine for another.</summary>
    public static string DeadLetterStream(string topic, string group) => $"events:{topic}:deadletter:{group}";

    /// <summary>
    /// A group's entries waiting for a scheduled retry: a sorted set scored by due time (Unix milliseconds),
    /// whose members carry the event and its retry count (<see cref="ParkedEntry"/>).
    /// </summary>
    public static string RetrySet(string topic, string group) => $"events:{topic}:retry:{group}";
}
