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

    private sealed class FixedDefault(string value) : ParameterDefault
    {
        public override string GetDefaultValue() => value;

        public override void WriteToManifest(ManifestPublishingContext context) => context.Writer.WriteString("value", value);
    }
}
