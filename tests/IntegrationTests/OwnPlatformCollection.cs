namespace IntegrationTests;

/// <summary>
/// Tests that start a platform of their own (beside the shared one of <see cref="PlatformCollection"/>) run one
/// after the other: each is a dozen processes, and two of them starting at once beside the shared platform
/// on two cores delayed every shared test by minutes.
/// </summary>
[CollectionDefinition(Name)]
public sealed class OwnPlatformCollection
{
    public const string Name = "Own platform";
}
