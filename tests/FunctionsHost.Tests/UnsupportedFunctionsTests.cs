using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;
using Microsoft.Extensions.Configuration;

namespace FunctionsHost.Tests;

/// <summary>Functions the plain path cannot serve fail the start, each named, instead of failing on first call.</summary>
public sealed class UnsupportedFunctionsTests
{
    [Fact]
    public void Every_unsupported_function_is_named_at_start_up()
    {
        var error = Assert.Throws<InvalidOperationException>(() => FunctionAppHost.Describe(typeof(UnsupportedFunctions).Assembly));

        Assert.Contains("UnsupportedFunctions.WithContext (function 'WithContext') takes a FunctionContext", error.Message);
        Assert.Contains("UnsupportedFunctions.FromQueue (function 'FromQueue') uses trigger QueueLikeTriggerAttribute", error.Message);
        Assert.Contains("UnsupportedFunctions.UnknownParameter (function 'UnknownParameter') has parameter 'String name'", error.Message);
        Assert.Contains("UnsupportedFunctions.ReturnsString (function 'ReturnsString') returns String", error.Message);
    }

    [Fact]
    public void BuildPlain_refuses_them_too() =>
        Assert.Throws<InvalidOperationException>(() => FunctionAppHost.BuildPlain([], typeof(UnsupportedFunctions).Assembly, _ => { }));

    [Theory]
    [InlineData("*/5 * * * * *")]
    [InlineData("0 */5 * * *")]
    public void Schedules_take_six_or_five_fields(string schedule) =>
        Assert.NotNull(TimerFunctionService.Parse("F", schedule, new ConfigurationBuilder().Build()));

    [Fact]
    public void A_schedule_setting_is_resolved_from_configuration()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([KeyValuePair.Create<string, string?>("CleanupSchedule", "0 0 3 * * *")])
            .Build();

        var schedule = TimerFunctionService.Parse("Cleanup", "%CleanupSchedule%", configuration);

        Assert.Equal(new DateTime(2030, 1, 2, 3, 0, 0, DateTimeKind.Utc),
            schedule.GetNextOccurrence(new DateTime(2030, 1, 2, 1, 0, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void A_missing_schedule_setting_names_the_function_and_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            TimerFunctionService.Parse("Cleanup", "%CleanupSchedule%", new ConfigurationBuilder().Build()));

        Assert.Contains("'Cleanup'", error.Message);
        Assert.Contains("'CleanupSchedule'", error.Message);
    }
}

/// <summary>A trigger the plain path does not know (stands for Queue, Service Bus, ...).</summary>
public sealed class QueueLikeTriggerAttribute : TriggerBindingAttribute;

public sealed class UnsupportedFunctions
{
    [Function("WithContext")]
    public IActionResult WithContext([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request, FunctionContext context) => new OkResult();

    [Function("FromQueue")]
    public void FromQueue([QueueLikeTrigger] string message) { }

    [Function("UnknownParameter")]
    public IActionResult UnknownParameter([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "things")] HttpRequest request, string name) => new OkResult();

    [Function("ReturnsString")]
    public string ReturnsString([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request) => "text";
}
