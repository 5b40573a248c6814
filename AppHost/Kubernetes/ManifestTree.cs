using System.Globalization;
using System.Text;
using k8s.Models;
using k8s;

namespace AppHost.Kubernetes;

/// <summary>
/// Writes the published tree: <c>base/</c> (one file per workload, the edge, the Dapr resources, and its
/// kustomization), <c>overlays/dev</c> and <c>overlays/prod</c>, a root <c>kustomization.yaml</c> (the base,
/// so <c>kubectl apply -k</c> takes the folder as it is), and <c>SECRETS.md</c>, the Secrets the cluster
/// must hold (their names and keys; never a value).
/// </summary>
public static class ManifestTree
{
    public static async Task<IReadOnlyList<string>> WriteAsync(ClusterModel cluster, DaprResources dapr, string output, CancellationToken cancellationToken)
    {
        var settings = cluster.Settings;
        var files = new SortedDictionary<string, IReadOnlyList<object>>(StringComparer.Ordinal)
        {
            ["namespace.yaml"] = [new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = settings.Namespace } }],
            ["edge.yaml"] = Edge(cluster),
        };

        foreach (var app in cluster.Apps)
        {
            files[$"apps/{app.Name}.yaml"] = await AppWorkloads.CreateAsync(cluster, app, cancellationToken);
        }

        foreach (var container in cluster.Containers.Where(c => !cluster.Topology.IsExternal(c)))
        {
            files[$"stateful/{container.Name}.yaml"] = await StatefulWorkloads.CreateAsync(cluster, container, cancellationToken);
        }

        foreach (var (file, document) in dapr.Publish(cluster))
        {
            files[$"dapr/{file}"] = [document];
        }

        var baseDirectory = Path.Combine(output, "base");
        if (Directory.Exists(baseDirectory))
        {
            Directory.Delete(baseDirectory, recursive: true); // nothing left over from a model that had more
        }

        var written = new List<string>();
        async Task Write(string relativePath, string text)
        {
            var path = Path.Combine(output, relativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, text, cancellationToken);
            written.Add(relativePath);
        }

        foreach (var (file, documents) in files)
        {
            await Write($"base/{file}", string.Join("---\n", documents.Select(Yaml)));
        }

        var images = cluster.Apps.Select(app => settings.Image(ClusterModel.ImageRepository(app))).Distinct().Order(StringComparer.Ordinal);
        await Write("base/kustomization.yaml", Yaml(new Dictionary<string, object>
        {
            ["apiVersion"] = "kustomize.config.k8s.io/v1beta1",
            ["kind"] = "Kustomization",
            ["namespace"] = settings.Namespace,
            ["resources"] = files.Keys.ToList(),
            // Where a deployment pins or moves its images: `kustomize edit set image` rewrites these.
            ["images"] = images.Select(image => new Dictionary<string, string> { ["name"] = image, ["newTag"] = settings.ImageTag }).ToList(),
        }));
        await Write("kustomization.yaml", Yaml(new Dictionary<string, object>
        {
            ["apiVersion"] = "kustomize.config.k8s.io/v1beta1",
            ["kind"] = "Kustomization",
            ["resources"] = new[] { "base" },
        }));
        await Write("overlays/dev/kustomization.yaml", Yaml(KustomizeProfiles.Dev()));
        await Write("overlays/prod/kustomization.yaml", Yaml(KustomizeProfiles.Prod()));
        var descriptions = cluster.Model.Resources.OfType<ParameterResource>()
            .Where(p => !string.IsNullOrEmpty(p.Description))
            .ToDictionary(p => p.Name, p => p.Description!, StringComparer.Ordinal);
        await Write("SECRETS.md", SecretsGuide(files.Values.SelectMany(d => d), settings, descriptions));
        return written;
    }

    private static string Yaml(object document) => KubernetesYaml.Serialize(document).TrimEnd('\n') + "\n";

    /// <summary>The gateway behind an Ingress, and nothing reaches a pod of the namespace unless a policy says so.</summary>
    private static IReadOnlyList<object> Edge(ClusterModel cluster)
    {
        var settings = cluster.Settings;
        var publicApps = cluster.Apps.Where(a => a.Annotations.OfType<EndpointAnnotation>().Any(e => e.IsExternal)).ToList();
        var documents = new List<object>
        {
            new V1NetworkPolicy
            {
                ApiVersion = "networking.k8s.io/v1",
                Kind = "NetworkPolicy",
                Metadata = ClusterModel.Meta("default-deny-ingress", "edge"),
                Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector(), PolicyTypes = ["Ingress"] },
            },
        };

        documents.AddRange(publicApps.Select(app => new V1Ingress
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "Ingress",
            Metadata = ClusterModel.Meta(app.Name, "edge"),
            Spec = new V1IngressSpec
            {
                IngressClassName = settings.IngressClass,
                Tls = [new V1IngressTLS { Hosts = [settings.IngressHost], SecretName = settings.IngressTlsSecret }],
                Rules =
                [
                    new V1IngressRule
                    {
                        Host = settings.IngressHost,
                        Http = new V1HTTPIngressRuleValue
                        {
                            Paths =
                            [
                                new V1HTTPIngressPath
                                {
                                    Path = "/",
                                    PathType = "Prefix",
                                    Backend = new V1IngressBackend
                                    {
                                        Service = new V1IngressServiceBackend { Name = app.Name, Port = new V1ServiceBackendPort { Name = "http" } },
                                    },
                                },
                            ],
                        },
                    },
                ],
            },
        }));
        return documents;
    }

    /// <summary>The Secrets a Dapr resource's <c>secretKeyRef</c>s name.</summary>
    private static IEnumerable<string> SecretKeyRefs(object node) => node switch
    {
        Dictionary<object, object> map => map.SelectMany(entry =>
            entry.Key is "secretKeyRef" && entry.Value is Dictionary<object, object> reference && reference.TryGetValue("name", out var name)
                ? [(string)name]
                : SecretKeyRefs(entry.Value)),
        List<object> list => list.SelectMany(SecretKeyRefs),
        _ => [],
    };

    private static string SecretsGuide(IEnumerable<object> documents, KubernetesSettings settings, IReadOnlyDictionary<string, string> descriptions)
    {
        var ns = settings.Namespace;
        var secrets = new SortedSet<string>(StringComparer.Ordinal);
        var tokenSecrets = new HashSet<string>(StringComparer.Ordinal); // the Dapr sidecar reads these under the key `token`
        foreach (var document in documents)
        {
            var pod = document switch
            {
                V1Deployment d => d.Spec.Template.Spec,
                V1StatefulSet s => s.Spec.Template.Spec,
                _ => null,
            };
            foreach (var env in pod?.Containers.SelectMany(c => c.Env ?? []) ?? [])
            {
                if (env.ValueFrom?.SecretKeyRef is { } reference)
                {
                    secrets.Add(reference.Name);
                }
            }

            if (document is Dictionary<object, object> daprResource)
            {
                secrets.UnionWith(SecretKeyRefs(daprResource));
            }

            if (document is V1Deployment { Spec.Template.Metadata.Annotations: { } annotations }
                && annotations.TryGetValue("dapr.io/app-token-secret", out var tokenSecret))
            {
                secrets.Add(tokenSecret);
                tokenSecrets.Add(tokenSecret);
            }
        }

        var guide = new StringBuilder($"""
            # Secrets this deployment reads

            Nothing here holds a secret value. Create each Secret in namespace `{ns}` before the pods start
            (or let an operator such as External Secrets create them); each keeps its value under the key
            `{ClusterValue.SecretKey}`; the Dapr app token's Secret also under `token`, the key the Dapr sidecar reads.

            ```bash
            kubectl create namespace {ns} --dry-run=client -o yaml | kubectl apply -f -

            """);
        foreach (var secret in secrets)
        {
            var variable = secret.ToUpperInvariant().Replace('-', '_');
            var extra = tokenSecrets.Contains(secret) ? $" --from-literal=token=\"${variable}\"" : "";
            guide.AppendLine($"kubectl -n {ns} create secret generic {secret} --from-literal={ClusterValue.SecretKey}=\"${variable}\"{extra}");
        }

        guide.AppendLine(CultureInfo.InvariantCulture,
            $"kubectl -n {ns} create secret tls {settings.IngressTlsSecret} --cert=tls.crt --key=tls.key   # {settings.IngressHost}'s certificate");
        guide.AppendLine("```");
        guide.AppendLine().Append(CultureInfo.InvariantCulture,
            $"`{settings.IngressTlsSecret}`: the certificate and key of `{settings.IngressHost}`, where TLS ends (the gateway's Ingress); cert-manager can issue it instead.").AppendLine();
        foreach (var secret in secrets.Where(descriptions.ContainsKey))
        {
            guide.AppendLine().Append(CultureInfo.InvariantCulture, $"`{secret}`: {descriptions[secret]}").AppendLine();
        }

        return guide.ToString();
    }
}
