using TestSupport;

namespace BuildingBlocks.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class LocalServersCollection : ICollectionFixture<LocalServers>
{
    public const string Name = "local-servers";
}
