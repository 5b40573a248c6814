namespace AppHost.Dapr;

/// <summary>
/// The resource runs beside a Dapr sidecar (its pub/sub, state and locks go through it) as the app named
/// <see cref="AppId"/>: locally where daprd exists (<see cref="DaprSidecars"/>), in a cluster through the
/// published pod's <c>dapr.io/*</c> annotations, with the Dapr components from <c>dapr/</c> scoped to it.
/// </summary>
public sealed class DaprSidecarAnnotation(string appId, ParameterResource appApiToken, IReadOnlyList<string> components) : IResourceAnnotation
{
    /// <summary>The pub/sub component (<c>dapr/components/pubsub.yaml</c>): every Dapr app's outbox publishes through it.</summary>
    public const string PubSub = "pubsub";

    /// <summary>The lock component: every Dapr app's outbox relay holds its lease with it.</summary>
    public const string LockStore = "lockstore";

    /// <summary>The secret store the other components read their secrets from.</summary>
    public const string SecretStore = "secretstore";

    /// <summary>The state store, for the apps that keep state in it (Basket).</summary>
    public const string StateStore = "statestore";

    public string AppId { get; } = appId;

    /// <summary>The Dapr components (metadata.name in <c>dapr/components</c>) the app uses: in a cluster each component is scoped to its users.</summary>
    public IReadOnlyList<string> Components { get; } = components;

    /// <summary>What the sidecar sends its app (<c>dapr-api-token</c>); in a cluster the Secret of that name.</summary>
    public ParameterResource AppApiToken { get; } = appApiToken;
}

public static class DaprSidecarExtensions
{
    /// <summary>
    /// Marks the app as a Dapr app and gives it the app API token (<c>APP_API_TOKEN</c>), which its event routes
    /// accept from the sidecar in place of a service token. Every Dapr app uses the pub/sub, lock and secret
    /// components; <paramref name="components"/> names any other it uses (<see cref="DaprSidecarAnnotation.StateStore"/>).
    /// </summary>
    public static IResourceBuilder<T> WithDaprSidecar<T>(this IResourceBuilder<T> builder, IResourceBuilder<ParameterResource> appApiToken,
        params string[] components)
        where T : IResourceWithEnvironment =>
        builder.WithAnnotation(new DaprSidecarAnnotation(builder.Resource.Name, appApiToken.Resource,
                [DaprSidecarAnnotation.PubSub, DaprSidecarAnnotation.LockStore, DaprSidecarAnnotation.SecretStore, .. components]))
            .WithEnvironment("APP_API_TOKEN", appApiToken);
}
