namespace AppHost.Kubernetes;

/// <summary>
/// The two overlays beside the base: <c>dev</c> (one replica each, small requests: a laptop cluster such as
/// kind) and <c>prod</c> (the base's replicas and autoscaling, larger requests and volumes).
/// </summary>
public static class KustomizeProfiles
{
    public static Dictionary<string, object> Dev() => Overlay(
        Patch("HorizontalPodAutoscaler", null, Replace("/spec/minReplicas", 1)),
        Patch("Deployment", "app.kubernetes.io/component=service", Replace("/spec/replicas", 1)),
        Patch("Deployment", null,
            Replace("/spec/template/spec/containers/0/resources/requests/cpu", "50m"),
            Replace("/spec/template/spec/containers/0/resources/requests/memory", "128Mi")),
        Patch("StatefulSet", null,
            Replace("/spec/template/spec/containers/0/resources/requests/cpu", "100m"),
            Replace("/spec/template/spec/containers/0/resources/requests/memory", "256Mi"),
            Replace("/spec/volumeClaimTemplates/0/spec/resources/requests/storage", "2Gi")));

    public static Dictionary<string, object> Prod() => Overlay(
        Patch("Deployment", null,
            Replace("/spec/template/spec/containers/0/resources/requests/cpu", "500m"),
            Replace("/spec/template/spec/containers/0/resources/requests/memory", "384Mi"),
            Replace("/spec/template/spec/containers/0/resources/limits/cpu", "2"),
            Replace("/spec/template/spec/containers/0/resources/limits/memory", "1Gi")),
        Patch("StatefulSet", null,
            Replace("/spec/template/spec/containers/0/resources/requests/cpu", "1"),
            Replace("/spec/template/spec/containers/0/resources/requests/memory", "2Gi"),
            Replace("/spec/template/spec/containers/0/resources/limits/cpu", "4"),
            Replace("/spec/template/spec/containers/0/resources/limits/memory", "4Gi"),
            Replace("/spec/volumeClaimTemplates/0/spec/resources/requests/storage", "50Gi")));

    private static Dictionary<string, object> Overlay(params Dictionary<string, object>[] patches) => new()
    {
        ["apiVersion"] = "kustomize.config.k8s.io/v1beta1",
        ["kind"] = "Kustomization",
        ["resources"] = new[] { "../../base" },
        ["patches"] = patches,
    };

    private static Dictionary<string, object> Patch(string kind, string? labelSelector, params Dictionary<string, object>[] operations)
    {
        var target = new Dictionary<string, string> { ["kind"] = kind };
        if (labelSelector is not null)
        {
            target["labelSelector"] = labelSelector;
        }

        return new Dictionary<string, object> { ["target"] = target, ["patch"] = k8s.KubernetesYaml.Serialize(operations) };
    }

    private static Dictionary<string, object> Replace(string path, object value) =>
        new() { ["op"] = "replace", ["path"] = path, ["value"] = value };
}
