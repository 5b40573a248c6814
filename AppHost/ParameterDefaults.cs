using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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

    /// <summary>
    /// A secret parameter holding a self-signed RSA certificate with its private key (base64 PKCS#12, no password), to
    /// encrypt keys before they are stored. When running, generated once and kept with the AppHost's user secrets; when
    /// publishing it has no default, so the deployment supplies it (a Kubernetes Secret; <paramref name="description"/>
    /// says how to make one).
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddGeneratedKeyEncryptionCertificate(this IDistributedApplicationBuilder builder,
        string name, string description) =>
        builder.ExecutionContext.IsPublishMode
            ? builder.AddParameter(name, secret: true).WithDescription(description)
            : builder.AddParameter(name, new KeyEncryptionCertificateDefault(name), secret: true, persist: true).WithDescription(description);

    private sealed class KeyEncryptionCertificateDefault(string name) : ParameterDefault
    {
        public override string GetDefaultValue()
        {
            using var key = RSA.Create(3072);
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment, critical: true));
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(10));
            return Convert.ToBase64String(certificate.Export(X509ContentType.Pkcs12));
        }

        // Only used when running (see AddGeneratedKeyEncryptionCertificate): a manifest never carries a private key.
        public override void WriteToManifest(ManifestPublishingContext context) =>
            throw new InvalidOperationException("A generated certificate is never written to a manifest.");
    }

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
