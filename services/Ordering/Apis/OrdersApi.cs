using System.Globalization;
using System.Security.Claims;
using Basket.Grpc;
using BuildingBlocks.Data;
using BuildingBlocks.Outbox;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Ordering.Api.Data;
using Ordering.Api.IntegrationEvents.Events;
using Ordering.Api.Model;
using Ordering.Contracts;

namespace Ordering.Api.Apis;

public static class OrdersApi
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/orders").WithTags("Orders").RequireAuthorization();

        api.MapPost("/", CreateOrder)
            .WithName("CreateOrder")
            .WithSummary("Check out the caller's basket")
            .WithDescription("Requires an Idempotency-Key header: the same key again returns the same order and never starts a second checkout.");
        api.MapGet("/{orderId:guid}", GetOrder).WithName("GetOrder").WithSummary("Get one of the caller's orders");
        api.MapGet("/", ListOrders).WithName("ListOrders").WithSummary("The caller's orders, newest first");
        api.MapPost("/{orderId:guid}/cancel", CancelOrder).WithName("CancelOrder").WithSummary("Cancel an order (refund and restock follow)");
        return app;
    }

    public static async Task<Results<Accepted<OrderAccepted>, ValidationProblem>> CreateOrder(
        CreateOrderRequest request,
        [FromHeader(Name = IdempotencyHeader)] string? idempotencyKey,
        ClaimsPrincipal user,
        OrderingContext db,
        IntegrationEventOutbox<OrderingContext> outbox,
        BasketService.BasketServiceClient basket,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        // The key is stored (100 characters); printable ASCII only, so nothing in it can fail the database.
        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > 100 || !idempotencyKey.All(c => c is >= ' ' and <= '~'))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [IdempotencyHeader] = ["An Idempotency-Key header of 1 to 100 printable ASCII characters is required."],
            });
        }

        var userId = user.GetUserId();
        if (await ExistingAsync(db, userId, idempotencyKey, cancellationToken) is { } existing)
        {
            return Accepted(existing);
        }

        var contents = await basket.GetBasketAsync(new GetBasketRequest { UserId = userId }, cancellationToken: cancellationToken);
        if (contents.Lines.Count == 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["basket"] = ["The basket is empty."] });
        }

        var now = clock.GetUtcNow();
        var address = request.ShippingAddress!;
        var order = new Order
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            ShippingAddress = new Address { Street = address.Street!, City = address.City!, PostalCode = address.PostalCode!, Country = address.Country! },
            Lines = [.. contents.Lines.Select(l => new OrderLine
            {
                ProductId = l.ProductId,
                Name = l.Name,
                Quantity = l.Quantity,
                UnitPrice = decimal.Parse(l.UnitPrice, CultureInfo.InvariantCulture),
            })],
            CreatedAt = now,
            UpdatedAt = now,
        };
        order.Total = order.Lines.Sum(l => l.Quantity * l.UnitPrice);

        // Order, idempotency record and OrderSubmitted commit together; the saga starts from the event.
        db.Orders.Add(order);
        db.IdempotencyRecords.Add(new IdempotencyRecord { UserId = userId, Key = idempotencyKey, OrderId = order.Id });
        outbox.Add(new OrderSubmitted(order.Id, userId,
            [.. order.Lines.Select(l => new OrderLineContract(l.ProductId, l.Quantity, l.UnitPrice))], order.Total, request.PaymentToken!),
            order.Id.ToString());
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            // The same key arrived concurrently and won: its order is the answer, nothing of ours was saved.
            db.ChangeTracker.Clear();
            return Accepted((await ExistingAsync(db, userId, idempotencyKey, cancellationToken))!);
        }

        return Accepted(order);
    }

    public static async Task<Results<Ok<OrderDto>, NotFound>> GetOrder(Guid orderId, ClaimsPrincipal user, OrderingContext db, CancellationToken cancellationToken)
    {
        var userId = user.GetUserId();
        // Someone else's order is "not found", not "forbidden": its existence is not the caller's business.
        var order = await db.Orders.AsNoTracking().SingleOrDefaultAsync(o => o.Id == orderId && o.UserId == userId, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(OrderDto.From(order, await BuyerNameAsync(db, userId, cancellationToken)));
    }

    public static async Task<Results<Ok<OrderPage>, ValidationProblem>> ListOrders(
        ClaimsPrincipal user, OrderingContext db, CancellationToken cancellationToken, int pageIndex = 0, int pageSize = 10)
    {
        if (pageIndex < 0 || pageSize is < 1 or > 100)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [pageIndex < 0 ? "pageIndex" : "pageSize"] = ["pageIndex must be at least 0 and pageSize between 1 and 100."],
            });
        }

        var userId = user.GetUserId();
        var mine = db.Orders.AsNoTracking().Where(o => o.UserId == userId);
        var orders = await mine.OrderByDescending(o => o.CreatedAt).Skip(pageIndex * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        var buyerName = await BuyerNameAsync(db, userId, cancellationToken);
        return TypedResults.Ok(new OrderPage(pageIndex, pageSize, await mine.LongCountAsync(cancellationToken),
            [.. orders.Select(order => OrderDto.From(order, buyerName))]));
    }

    public static async Task<Results<Accepted, NotFound, ProblemHttpResult>> CancelOrder(
        Guid orderId, ClaimsPrincipal user, OrderingContext db, IntegrationEventOutbox<OrderingContext> outbox, CancellationToken cancellationToken)
    {
        var userId = user.GetUserId();
        var order = await db.Orders.AsNoTracking().SingleOrDefaultAsync(o => o.Id == orderId && o.UserId == userId, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (!order.Status.CanBeCancelled())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, detail: "The order is already cancelled.");
        }

        outbox.Add(new OrderCancelRequested(orderId), orderId.ToString());
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted($"/api/orders/{orderId}");
    }

    private static Accepted<OrderAccepted> Accepted(Order order) =>
        TypedResults.Accepted($"/api/orders/{order.Id}", new OrderAccepted(order.Id, order.Status.ToString()));

    private static async Task<Order?> ExistingAsync(OrderingContext db, string userId, string key, CancellationToken cancellationToken) =>
        await db.IdempotencyRecords.AsNoTracking().Where(r => r.UserId == userId && r.Key == key)
            .Join(db.Orders, r => r.OrderId, o => o.Id, (_, o) => o)
            .SingleOrDefaultAsync(cancellationToken);


    /// <summary>The caller's name as Identity announced it; null until its UserRegistered has arrived.</summary>
    private static Task<string?> BuyerNameAsync(OrderingContext db, string userId, CancellationToken cancellationToken) =>
        db.Buyers.AsNoTracking().Where(b => b.UserId == userId).Select(b => (string?)b.Name).SingleOrDefaultAsync(cancellationToken);
}
