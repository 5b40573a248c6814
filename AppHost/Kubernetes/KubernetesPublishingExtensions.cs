#pragma warning disable ASPIREPIPELINES001 // Aspire's pipeline steps are experimental in 13.x
#pragma warning disable ASPIREPIPELINES004 // so is the output-path service

using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.Kubernetes;

public static class KubernetesPublishingExtensions
{
    public const string StepName = "kubernetes-manifests";

    /// <summary>Where every project listens inside its pod: the HTTP endpoint, then any other (gRPC) from 8081.</summary>
    public const int HttpPort = 8080;

    /// <summary>
    /// <c>aspire publish</c> writes Kubernetes manifests (with Dapr, KEDA and kustomize overlays) for the model
    /// into the output path: a pipeline step of our own, as the Aspire Kubernetes hosting package is not used.
    /// </summary>
    public static IDistributedApplicationBuilder AddKubernetesPublishing(this IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsPublishMode)
        {
            return builder;
        }

        KubernetesSettings.AddParameters(builder);
        FunctionsHostPod.AddStorage(builder);
        var daprDirectory = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "dapr"));
        builder.Pipeline.AddStep(StepName, async context =>
        {
            var task = await context.ReportingStep.CreateTaskAsync("Writing Kubernetes manifests", context.CancellationToken);
            await using (task)
            {
                var output = context.Services.GetRequiredService<IPipelineOutputService>().GetOutputDirectory();
                AssignTargetPorts(context.Model);
                var settings = await KubernetesSettings.ResolveAsync(context.Model, context.CancellationToken);
                var dapr = DaprResources.Load(daprDirectory);
                var cluster = new ClusterModel(context.Model, context.ExecutionContext, settings, dapr.TopicsByApp());
                var files = await ManifestTree.WriteAsync(cluster, dapr, output, context.CancellationToken);
                await task.CompleteAsync($"Wrote {files.Count} files to {output}", CompletionState.Completed, context.CancellationToken);
            }
        }, requiredBy: WellKnownPipelineSteps.Publish);
        return builder;
    }

    /// <summary>
    /// A project's endpoints have no port of their own when publishing (DCP allocates them when running):
    /// in a pod each listens on a fixed one. Its HTTPS endpoints (launch profiles') are dropped: in a cluster
    /// TLS ends at the Ingress, and a pod has no certificate to serve.
    /// </summary>
    private static void AssignTargetPorts(DistributedApplicationModel model)
    {
        foreach (var project in model.Resources.OfType<ProjectResource>())
        {
            foreach (var https in project.Annotations.OfType<EndpointAnnotation>().Where(e => e.UriScheme == "https").ToList())
            {
                project.Annotations.Remove(https);
            }

            var next = HttpPort + 1;
            foreach (var endpoint in ClusterTopology.Endpoints(project))
            {
                endpoint.TargetPort ??= endpoint.Name == "http" ? HttpPort : next++;
                endpoint.Port ??= endpoint.TargetPort;
            }
        }
    }
}
