using System.Security.Cryptography;
using Aspire.Hosting.Publishing;

namespace Aspire.Hosting;

public static class ParameterDefaults
{
    /// <summary>
    /// A parameter that configuration sets when it has a value (<c>Parameters:{name}</c>, environment
    /// <c>Parameters__{name}</c>) and that is <paramref name="value"/> otherwise. Unlike
    /// <c>AddParameter(name, value)</c>, whose value is fixed, so tests and load runs can override it.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddParameterWithDefault(this IDistributedApplicationBuilder builder,
        string name, string value) =>
        builder.AddParameter(name, new FixedDefault(value));

    /// <summary>
    /// A secret parameter holding an ECDSA P-256 private key (base64 PKCS#8). When running, generated once
    /// and kept with the AppHost's user secrets like the other generated secrets; when publishing it has
    /// no default, so the deployment supplies it (a Kubernetes Secret).
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddGeneratedSigningKey(this IDistributedApplicationBuilder builder, string name) =>
        builder.ExecutionContext.IsPublishMode
            ? builder.AddParameter(name, secret: true)
            : builder.AddParameter(name, new EcdsaPrivateKeyDefault(), secret: true, persist: true);

    private sealed class EcdsaPrivateKeyDefault : ParameterDefault
    {
        public override string GetDefaultValue()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return Convert.ToBase64String(key.ExportPkcs8PrivateKey());
        }

        // Only used when running (see AddGeneratedSigningKey): a manifest never carries a generated private key.
        public override void WriteToManifest(ManifestPublishingContext context) =>
            throw new InvalidOperationException("A generated signing key is never written to a manifest.");
    }

    private sealed class FixedDefault(string value) : ParameterDefault
    {
        public override string GetDefaultValue() => value;

        public override void WriteToManifest(ManifestPublishingContext context) => context.Writer.WriteString("value", value);
    }
}
