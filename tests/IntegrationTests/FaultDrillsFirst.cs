using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: Xunit.TestFramework("IntegrationTests.FaultDrillsFirst", "IntegrationTests")]

namespace IntegrationTests;

/// <summary>
/// Runs the shared platform's fault drills before its other tests. A drill holds a dependency frozen, or waits for a killed
/// process's leases to lapse, for longer than every client timeout: two and a half minutes in which the machine is mostly
/// idle. The tests that start platforms of their own (<see cref="OwnPlatformCollection"/>) begin as soon as the shared
/// platform is up, so they now start while the drills wait, instead of beside the browser tests, which need the cores.
/// (xunit runs a collection's classes in the order it found them; this keeps that order for every other class.)
/// </summary>
public sealed class FaultDrillsFirst(IMessageSink diagnosticMessageSink) : XunitTestFramework(diagnosticMessageSink)
{
    /// <summary>The shared platform's classes that mostly wait, first in this order.</summary>
    private static readonly Type[] Drills = [typeof(FrozenDependencyTests), typeof(CheckoutCrashTests)];

    /// <summary>Where a class goes: a drill by its place in <see cref="Drills"/>, every other class after them.</summary>
    private static int Rank(string className) =>
        Array.FindIndex(Drills, drill => drill.FullName == className) is var index and >= 0 ? index : Drills.Length;

    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformation, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformation, diagnosticMessageSink)
    {
        // xunit's executor declares this void and reports through the message sinks; its own override is async void too.
        protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        {
            using var runner = new AssemblyRunner(TestAssembly, testCases, DiagnosticMessageSink, executionMessageSink, executionOptions);
            await runner.RunAsync();
        }
    }

    private sealed class AssemblyRunner(ITestAssembly testAssembly, IEnumerable<IXunitTestCase> testCases, IMessageSink diagnosticMessageSink,
        IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        : XunitTestAssemblyRunner(testAssembly, testCases, diagnosticMessageSink, executionMessageSink, executionOptions)
    {
        // OrderBy is stable: within each rank the classes keep the order xunit found them in.
        protected override Task<RunSummary> RunTestCollectionAsync(IMessageBus messageBus, ITestCollection testCollection,
            IEnumerable<IXunitTestCase> testCases, CancellationTokenSource cancellationTokenSource) =>
            base.RunTestCollectionAsync(messageBus, testCollection,
                testCases.OrderBy(testCase => Rank(testCase.TestMethod.TestClass.Class.Name)).ToList(), cancellationTokenSource);
    }
}
