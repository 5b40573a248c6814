using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsHost.Tests.SampleApp;

public sealed record Item(int Id, string Name);

/// <summary>Counts timer runs; a singleton so tests can watch it.</summary>
public sealed class TickCounter
{
    private int value;
    private int failures;

    public int Value => Volatile.Read(ref value);

    public int Failures => Volatile.Read(ref failures);

    public void Increment() => Interlocked.Increment(ref value);

    public void IncrementFailures() => Interlocked.Increment(ref failures);
}

public sealed class ItemFunctions
{
    [Function("GetItem")]
    public IActionResult GetItem([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "items/{id}")] HttpRequest request, int id) =>
        new OkObjectResult(new Item(id, $"item {id}"));

    [Function("GetLine")]
    public IResult GetLine(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "orders/{orderId}/lines/{line}")] HttpRequest request, Guid orderId, long line) =>
        Results.Ok(new { orderId, line });

    [Function("CreateItem")]
    public async Task<IActionResult> CreateItem(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "items")] HttpRequest request, CancellationToken cancellationToken)
    {
        var item = await request.ReadFromJsonAsync<Item>(cancellationToken);
        return item is null ? new BadRequestResult() : new CreatedResult($"/api/items/{item.Id}", item);
    }

    /// <summary>Route null: the Functions host serves it at api/Ping.</summary>
    [Function("Ping")]
    public static Task<IResult> Ping([HttpTrigger(AuthorizationLevel.Anonymous, "get", "head")] HttpRequest request) =>
        Task.FromResult(Results.Text("pong"));
}

public sealed class TickFunctions(TickCounter counter)
{
    [Function("Tick")]
    public void Tick([TimerTrigger("*/1 * * * * *")] TimerInfo timer) => counter.Increment();

    /// <summary>Throws on every run: the app must log it and keep firing.</summary>
    [Function("FailingTick")]
    public async Task FailingTick([TimerTrigger("*/1 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        counter.IncrementFailures();
        await Task.Yield();
        throw new InvalidOperationException("Fails on purpose.");
    }
}
