using Microsoft.Extensions.Configuration;

namespace FunctionsHost.Tests;

public sealed class FunctionsHostDetectionTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void A_plain_start_is_not_under_the_host() =>
        Assert.False(FunctionAppHost.IsUnderFunctionsHost(["--urls", "http://127.0.0.1:0"], Config()));

    [Theory]
    [InlineData("--functions-uri", "http://127.0.0.1:7071/")]
    [InlineData("--host", "127.0.0.1")]
    public void The_host_arguments_mean_the_host(string name, string value) =>
        Assert.True(FunctionAppHost.IsUnderFunctionsHost(["--port", "7071", name, value], Config()));

    [Fact]
    public void The_configured_host_endpoint_means_the_host() =>
        Assert.True(FunctionAppHost.IsUnderFunctionsHost([], Config(("Functions:Worker:HostEndpoint", "http://127.0.0.1:7071/"))));

    [Fact]
    public void The_native_host_variable_means_the_host()
    {
        Assert.True(FunctionAppHost.IsUnderFunctionsHost([], Config(("AZURE_FUNCTIONS_NATIVE_HOST", "1"))));

        // The process environment too, as the host sets it for the worker it starts.
        Environment.SetEnvironmentVariable("AZURE_FUNCTIONS_NATIVE_HOST", "1");
        try
        {
            Assert.True(FunctionAppHost.IsUnderFunctionsHost([], Config()));
        }
        finally
        {
            Environment.SetEnvironmentVariable("AZURE_FUNCTIONS_NATIVE_HOST", null);
        }
    }
}
