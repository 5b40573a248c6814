using System.ComponentModel.DataAnnotations;
using FunctionsHost;
using Inventory.Stock;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Hosting;

namespace Inventory.Functions;

/// <summary>
/// Inventory's HTTP triggers: thin, they parse and call <see cref="StockReservations"/>. Stock levels
/// are for administrators: the gateway checks the admin role and so does this app (the <c>[Authorize]</c>
/// policies, enforced by FunctionsHost on either host). Reservations are for the order workflow's service token.
/// </summary>
public sealed class InventoryFunctions(StockReservations reservations)
{
    public sealed record SetOnHandRequest([property: Range(0, 10_000_000)] int OnHand);

    public sealed record ReserveRequest(Guid OrderId, ReservationLine[] Lines);

    [Authorize(Policy = AuthenticationExtensions.AdminPolicy)]
    [EndpointSummary("Get the stock of a product")]
    [ProducesResponseType(typeof(StockLevel), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(StatusCodes.Status404NotFound)]
    [Function("GetStock")]
    public async Task<IActionResult> GetStock(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "inventory/{productId:int}")] HttpRequest request, int productId)
    {
        var level = await reservations.GetAsync(productId, request.HttpContext.RequestAborted);
        return level is null ? FunctionRequests.Problem(StatusCodes.Status404NotFound, $"No stock is recorded for product {productId}.") : new OkObjectResult(level);
    }

    [Authorize(Policy = AuthenticationExtensions.AdminPolicy)]
    [EndpointSummary("Set the units on hand of a product")]
    [FunctionBody(typeof(SetOnHandRequest))]
    [ProducesResponseType(typeof(StockLevel), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(StatusCodes.Status409Conflict)]
    [Function("SetStock")]
    public async Task<IActionResult> SetStock(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "inventory/{productId:int}")] HttpRequest request, int productId)
    {
        var body = await FunctionRequests.ReadAsync<SetOnHandRequest>(request);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        if (body.Value!.OnHand < 0)
        {
            return FunctionRequests.Invalid("onHand", "onHand must not be negative.");
        }

        var level = await reservations.SetOnHandAsync(productId, body.Value.OnHand, request.HttpContext.RequestAborted);
        return level is null
            ? FunctionRequests.Problem(StatusCodes.Status409Conflict, "More units than that are reserved for open orders.")
            : new OkObjectResult(level);
    }

    [EndpointSummary("Reserve every line of an order, or none")]
    [FunctionBody(typeof(ReserveRequest))]
    [ProducesResponseType(typeof(ReserveOutcome), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(ReserveOutcome), StatusCodes.Status409Conflict, "application/json")]
    [Authorize(Policy = ServiceCallers.OrderWorkflow)]
    [Function("ReserveStock")]
    public async Task<IActionResult> Reserve(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "inventory/reservations")] HttpRequest request)
    {
        var body = await FunctionRequests.ReadAsync<ReserveRequest>(request);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var reserve = body.Value!;
        if (reserve.OrderId == Guid.Empty)
        {
            return FunctionRequests.Invalid("orderId", "orderId is required.");
        }

        if (reserve.Lines is not { Length: > 0 } || reserve.Lines.Any(l => l.Quantity <= 0 || l.ProductId <= 0))
        {
            return FunctionRequests.Invalid("lines", "At least one line, each with a productId and a quantity of at least 1.");
        }

        var outcome = await reservations.ReserveAsync(reserve.OrderId, reserve.Lines, request.HttpContext.RequestAborted);
        return outcome.Result switch
        {
            ReserveResult.Reserved or ReserveResult.Committed => new OkObjectResult(outcome),
            _ => new ConflictObjectResult(outcome),
        };
    }

    /// <summary>The answer of commit, release and return: where the order's reservation stands afterwards.</summary>
    public sealed record ReservationState(Guid OrderId, string Status, int ChangedLines);

    [EndpointSummary("Commit an order's reservation: the units leave the stock")]
    [ProducesResponseType(typeof(ReservationState), StatusCodes.Status200OK, "application/json")]
    [Authorize(Policy = ServiceCallers.OrderWorkflow)]
    [Function("CommitReservation")]
    public async Task<IActionResult> Commit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "inventory/reservations/{orderId:guid}/commit")] HttpRequest request, Guid orderId) =>
        await StateAfterAsync(orderId, reservations.CommitAsync(orderId, request.HttpContext.RequestAborted), ReservationStatus.Committed, request);

    [EndpointSummary("Release an order's reservation: the units are available again")]
    [ProducesResponseType(typeof(ReservationState), StatusCodes.Status200OK, "application/json")]
    [Authorize(Policy = ServiceCallers.OrderWorkflow)]
    [Function("ReleaseReservation")]
    public async Task<IActionResult> Release(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "inventory/reservations/{orderId:guid}/release")] HttpRequest request, Guid orderId) =>
        await StateAfterAsync(orderId, reservations.ReleaseAsync(orderId, request.HttpContext.RequestAborted), ReservationStatus.Released, request);

    [EndpointSummary("Return the units of a committed reservation to the stock")]
    [ProducesResponseType(typeof(ReservationState), StatusCodes.Status200OK, "application/json")]
    [Authorize(Policy = ServiceCallers.OrderWorkflow)]
    [Function("ReturnReservation")]
    public async Task<IActionResult> Return(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "inventory/reservations/{orderId:guid}/return")] HttpRequest request, Guid orderId) =>
        await StateAfterAsync(orderId, reservations.ReturnAsync(orderId, request.HttpContext.RequestAborted), ReservationStatus.Returned, request);

    // "to" is where the lines the change moved now stand; only a change that moved none (a repeat) looks the state up.
    private async Task<IActionResult> StateAfterAsync(Guid orderId, Task<int> change, ReservationStatus to, HttpRequest request)
    {
        var changed = await change;
        var status = changed > 0 ? to.ToString() : await reservations.StatusAsync(orderId, request.HttpContext.RequestAborted);
        return new OkObjectResult(new ReservationState(orderId, status, changed));
    }
}
