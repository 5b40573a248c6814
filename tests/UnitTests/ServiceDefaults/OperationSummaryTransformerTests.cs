using Microsoft.Extensions.Hosting;

namespace UnitTests.ServiceDefaults;

public class OperationSummaryTransformerTests
{
    [Theory]
    [InlineData("GetStock", "Get stock")]
    [InlineData("ReleaseExpiredReservations", "Release expired reservations")]
    [InlineData("getHTTPStatus", "Get HTTPStatus")]
    [InlineData("Refund", "Refund")]
    public void An_operation_id_reads_as_a_sentence(string operationId, string summary) =>
        Assert.Equal(summary, OperationSummaryTransformer.Words(operationId));
}
