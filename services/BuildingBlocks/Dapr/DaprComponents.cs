namespace BuildingBlocks.Dapr;

/// <summary>
/// Names of the Dapr components the platform uses: each is the metadata.name of a component in
/// <c>dapr/components/</c>, so code and manifests must agree (checked by a test).
/// </summary>
public static class DaprComponents
{
    public const string PubSub = "pubsub";
    public const string StateStore = "statestore";
    public const string LockStore = "lockstore";
    public const string SecretStore = "secretstore";

    /// <summary>Where Dapr moves a topic's messages that could not be delivered.</summary>
    public static string DeadLetterTopic(string topic) => $"{topic}.deadletter";
}
