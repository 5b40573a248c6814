namespace AppHost.Dapr;

/// <summary>
/// The resource runs beside a Dapr sidecar in a cluster (its pub/sub, state and locks go through it), as
/// the app named <see cref="AppId"/>; the published pod carries the <c>dapr.io/*</c> annotations, and the
/// Dapr components from <c>dapr/</c> are scoped to the apps that have one.
/// </summary>
public sealed class DaprSidecarAnnotation(string appId) : IResourceAnnotation
{
    public string AppId { get; } = appId;
}

public static class DaprSidecarExtensions
{
    public static IResourceBuilder<T> WithDaprSidecar<T>(this IResourceBuilder<T> builder) where T : IResource =>
        builder.WithAnnotation(new DaprSidecarAnnotation(builder.Resource.Name));
}
