using System.Text;
using k8s.Models;

namespace AppHost.Kubernetes;

/// <summary>
/// A setting as a pod receives it: plain text for the app's ConfigMap, or text that names secrets. A
/// secret parameter becomes a variable read from its Kubernetes Secret, and a value built from one (a
/// connection string with a password) refers to it as <c>$(VAR)</c>, which the kubelet expands.
/// </summary>
public sealed record ClusterValue(string Text, IReadOnlyList<ParameterResource> Secrets)
{
    public bool IsPlain => Secrets.Count == 0;

    /// <summary>The variable that carries a secret parameter's value inside the pod.</summary>
    public static string SecretVariable(ParameterResource secret) =>
        "SECRET_" + new string(secret.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_').ToArray());

    /// <summary>The Secret (one per secret parameter, named after it, key <c>value</c>) that the cluster provides.</summary>
    public static V1EnvVar SecretEnv(string variable, ParameterResource secret) => new()
    {
        Name = variable,
        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Key = SecretKey, Name = secret.Name } },
    };

    public const string SecretKey = "value";
}

/// <summary>
/// Turns what the AppHost's model says a resource receives (environment values, arguments) into what it
/// receives in the cluster: other resources are reached by their Service's name and port, non-secret
/// parameters take their published value, secrets stay references.
/// </summary>
public sealed class ClusterValues(ClusterTopology topology)
{
    public async Task<ClusterValue> TranslateAsync(object? value, CancellationToken cancellationToken)
    {
        var secrets = new List<ParameterResource>();
        var text = await TextAsync(value, secrets, cancellationToken);
        return new ClusterValue(text, secrets.Distinct().ToList());
    }

    private async Task<string> TextAsync(object? value, List<ParameterResource> secrets, CancellationToken cancellationToken)
    {
        switch (value)
        {
            case null:
                return "";
            case string text:
                return text;
            case ParameterResource { Secret: true } secret:
                secrets.Add(secret);
                return $"$({ClusterValue.SecretVariable(secret)})";
            case ParameterResource parameter:
                return await parameter.GetValueAsync(cancellationToken) ?? "";
            case EndpointReference endpoint:
                return topology.Url(endpoint);
            case EndpointReferenceExpression expression:
                return topology.Property(expression);
            case ConnectionStringReference reference:
                return await TextAsync(reference.Resource.ConnectionStringExpression, secrets, cancellationToken);
            case IResourceWithConnectionString resource:
                return await TextAsync(resource.ConnectionStringExpression, secrets, cancellationToken);
            case ReferenceExpression { IsConditional: true } conditional:
                var condition = await TextAsync(conditional.Condition, secrets, cancellationToken);
                return await TextAsync(
                    string.Equals(condition, conditional.MatchValue, StringComparison.OrdinalIgnoreCase) ? conditional.WhenTrue : conditional.WhenFalse,
                    secrets, cancellationToken);
            case ReferenceExpression expression:
                var parts = new object[expression.ValueProviders.Count];
                for (var i = 0; i < parts.Length; i++)
                {
                    parts[i] = await TextAsync(expression.ValueProviders[i], secrets, cancellationToken);
                }

                return string.Format(System.Globalization.CultureInfo.InvariantCulture, expression.Format, parts);
            case IFormattable formattable:
                return formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture);
            default:
                throw new InvalidOperationException(
                    $"The Kubernetes publisher cannot express a value of type {value.GetType().Name} in a manifest.");
        }
    }

    /// <summary>Escapes <c>$(</c> in plain text that goes into an <c>env</c> value beside secret references.</summary>
    private static string EscapeForEnv(string text) => text.Replace("$(", "$$(", StringComparison.Ordinal);

    /// <summary>Turns text with the secret markers into an <c>env</c> value (only the markers stay expandable).</summary>
    public static string ForEnv(ClusterValue value)
    {
        var escaped = new StringBuilder(EscapeForEnv(value.Text));
        foreach (var secret in value.Secrets)
        {
            var variable = ClusterValue.SecretVariable(secret);
            escaped.Replace($"$$({variable})", $"$({variable})");
        }

        return escaped.ToString();
    }
}
