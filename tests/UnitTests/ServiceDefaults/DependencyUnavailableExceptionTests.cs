using System.Net;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace UnitTests.ServiceDefaults;

/// <summary>Which failures are a dependency that did not answer (503, try again) and which stay faults of the service (500).</summary>
public class DependencyUnavailableExceptionTests
{
    public static TheoryData<Exception> Unavailable() =>
    [
        new RedisTimeoutException("Timeout awaiting response", CommandStatus.Sent),
        new RedisConnectionException(ConnectionFailureType.UnableToConnect, "No connection is available"),
        new NpgsqlException("Exception while reading from stream", new TimeoutException()),
        new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout", new TimeoutException()),
        new BrokenCircuitException(),
        new HttpRequestException("Connection refused"),
        new HttpRequestException("Bad gateway", null, HttpStatusCode.BadGateway),
        new InvalidOperationException("wrapped", new DependencyUnavailableException("basket")),
    ];

    public static TheoryData<Exception> Faults() =>
    [
        new InvalidOperationException("a bug"),
        new NullReferenceException(),
        new HttpRequestException("Forbidden", null, HttpStatusCode.Forbidden),
        new RedisServerException("ERR wrong number of arguments"),
    ];

    [Theory]
    [MemberData(nameof(Unavailable))]
    public void A_dependency_that_did_not_answer_is_unavailable(Exception exception) =>
        Assert.True(DependencyUnavailableException.Recognises(exception), exception.ToString());

    [Theory]
    [MemberData(nameof(Faults))]
    public void Other_failures_stay_faults_of_the_service(Exception exception) =>
        Assert.False(DependencyUnavailableException.Recognises(exception), exception.ToString());
}
