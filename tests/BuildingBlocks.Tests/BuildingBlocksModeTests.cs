using Microsoft.Extensions.Configuration;

namespace BuildingBlocks.Tests;

public class BuildingBlocksModeTests
{
    private static BuildingBlocksMode Choose(params (string Key, string Value)[] settings) =>
        BuildingBlocksExtensions.ChooseMode(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build()).Mode;

    [Fact]
    public void Without_a_sidecar_the_native_adapters_are_used() => Assert.Equal(BuildingBlocksMode.Native, Choose());

    [Fact]
    public void A_sidecar_port_selects_dapr() => Assert.Equal(BuildingBlocksMode.Dapr, Choose(("DAPR_GRPC_PORT", "50001")));

    [Fact]
    public void Configuration_overrides_detection() =>
        Assert.Multiple(
            () => Assert.Equal(BuildingBlocksMode.Native, Choose(("DAPR_GRPC_PORT", "50001"), (BuildingBlocksExtensions.DaprEnabledKey, "false"))),
            () => Assert.Equal(BuildingBlocksMode.Dapr, Choose((BuildingBlocksExtensions.DaprEnabledKey, "true"))));
}
