using FunctionsHost;
using TestSupport;

namespace OrderWorkflow.Tests;

/// <summary>
/// For each function app, what its functions.metadata declares to the Azure Functions host (routes,
/// methods, schedules) is what the plain host serves where there is no Functions host.
/// </summary>
public class FunctionsMetadataTests
{
    [Theory]
    [InlineData("Inventory", typeof(Inventory.Stock.StockReservations))]
    [InlineData("Payment", typeof(Payment.Payments.PaymentService))]
    [InlineData("OrderWorkflow", typeof(OrderWorkflow.Saga.SagaRunner))]
    public void Declared_functions_are_the_served_functions(string app, Type fromAssembly)
    {
        // Each app's build writes its own functions.metadata next to its own output.
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<configuration>/net10.0
        var path = RepositoryFiles.PathOf("functions", app, "bin", configuration, "net10.0", "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing");

        var declared = FunctionsMetadata.Read(path).Select(Comparable).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var served = FunctionAppHost.Describe(fromAssembly.Assembly).Select(Comparable).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();

        Assert.NotEmpty(declared);
        Assert.Equal(declared, served);
    }

    private static (string Name, string Trigger, string? Route, string Methods, string? Schedule) Comparable(PlainFunction f) =>
        (f.Name, f.Trigger, f.Route, string.Join(",", f.Methods), f.Schedule);
}
