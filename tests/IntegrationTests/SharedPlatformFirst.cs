using Xunit.Abstractions;

[assembly: Xunit.TestCollectionOrderer("IntegrationTests.SharedPlatformFirst", "IntegrationTests")]

namespace IntegrationTests;

/// <summary>
/// Starts the shared platform's collection before any other. Two collections run at a time and platforms start
/// one at a time (<see cref="PlatformHost"/>); the shared collection holds most of the tests, so whatever platform
/// starts ahead of it delays all of them: in the clean-clone run at cdd6486 a data-directory test's platform went
/// first and the first shared test began after 96 s, while the other collections finished two minutes before the
/// shared one. The rest keep the order they were found in.
/// </summary>
public sealed class SharedPlatformFirst : Xunit.ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(collection => collection.DisplayName == PlatformCollection.Name ? 0 : 1);
}
