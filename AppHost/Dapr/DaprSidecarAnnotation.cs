namespace AppHost.Dapr;

/// <summary>
/// The resource runs beside a Dapr sidecar (its pub/sub, state and locks go through it) as the app named
/// <see cref="AppId"/>: locally where daprd exists (<see cref="DaprSidecars"/>), in a cluster through the
/// published pod's <c>dapr.io/*</c> annotations, with the Dapr components from <c>dapr/</c> scoped to it.
/// </summary>
public sealed class DaprSidecarAnnotation(string appId, ParameterResource appApiToken) : IResourceAnnotation
{
    public string AppId { get; } = appId;

    /// <summary>What the sidecar sends its app (<c>dapr-api-token</c>); in a cluster the Secret of that name.</summary>
    public ParameterResource AppApiToken { get; } = appApiToken;
}

public static class DaprSidecarExtensions
{
    /// <summary>
    /// Marks the app as a Dapr app and gives it the app API token (<c>APP_API_TOKEN</c>), which its event routes
    /// accept from the sidecar in place of a service token.
    /// </summary>
    public static IResourceBuilder<T> WithDaprSidecar<T>(this IResourceBuilder<T> builder, IResourceBuilder<ParameterResource> appApiToken)
        where T : IResourceWithEnvironment =>
        builder.WithAnnotation(new DaprSidecarAnnotation(builder.Resource.Name, appApiToken.Resource))
            .WithEnvironment("APP_API_TOKEN", appApiToken);
}
