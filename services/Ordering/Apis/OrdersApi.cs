using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Basket.Grpc;
using Grpc.Core;
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
            .WithDescription("Requires an Idempotency-Key header: the same key with the same body again returns the same order and never starts "
                + "a second checkout; the same key with another body is 422. A basket is checked out once: another checkout of the same basket "
                + "is 409 with the first order's id (orderId). An expectedTotal that differs from the basket's total is 409 with the current total (currentTotal).")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/{orderId:guid}", GetOrder).WithName("GetOrder").WithSummary("Get one of the caller's orders");
        api.MapGet("/", ListOrders).WithName("ListOrders").WithSummary("The caller's orders, newest first");
        api.MapPost("/{orderId:guid}/cancel", CancelOrder).WithName("CancelOrder").WithSummary("Cancel an order (refund and restock follow)");
        return app;
    }

    public static async Task<Results<Accepted<OrderAccepted>, ValidationProblem, ProblemHttpResult>> CreateOrder(
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
        var fingerprint = Fingerprint(request);
        if (await ExistingAsync(db, userId, idempotencyKey, cancellationToken) is { } existing)
        {
            return Replay(existing, fingerprint);
        }

        BasketReply contents;
        try
        {
            contents = await basket.GetBasketAsync(new GetBasketRequest { UserId = userId }, cancellationToken: cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Unknown or StatusCode.Internal)
        {
            // Basket down, frozen or failing (its store unreachable): nothing was ordered, and the shopper may try again.
            throw new DependencyUnavailableException("basket", ex);
        }

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

        if (request.ExpectedTotal is { } expectedTotal && expectedTotal != order.Total)
        {
            // A basket already checked out is the more useful answer; looked up only on this rare path.
            return await CheckedOutAsync(db, userId, contents.Version, cancellationToken) is { } first
                ? AlreadyCheckedOut(first)
                : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The basket's total has changed",
                    detail: $"expectedTotal is {expectedTotal.ToString(CultureInfo.InvariantCulture)} but the basket's total is now {order.Total.ToString(CultureInfo.InvariantCulture)}; nothing was ordered.",
                    extensions: new Dictionary<string, object?> { ["currentTotal"] = order.Total });
        }

        // Order, idempotency record, consumed basket version, payment token and OrderSubmitted commit
        // together; the saga starts from the event, which carries no payment credentials.
        db.Orders.Add(order);
        db.IdempotencyRecords.Add(new IdempotencyRecord { UserId = userId, Key = idempotencyKey, OrderId = order.Id, Fingerprint = fingerprint });
        db.BasketCheckouts.Add(new BasketCheckout { UserId = userId, BasketVersion = contents.Version, OrderId = order.Id });
        db.PaymentTokens.Add(new OrderPaymentToken { OrderId = order.Id, Token = request.PaymentToken! });
        outbox.Add(OrderSubmitted.From(order, contents.Version), order.Id.ToString());
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            // Another checkout committed first and nothing of ours was saved: either the same key (a
            // concurrent retry, or another body reusing it) or the same basket version under another key.
            db.ChangeTracker.Clear();
            if (await ExistingAsync(db, userId, idempotencyKey, cancellationToken) is { } winner)
            {
                return Replay(winner, fingerprint);
            }

            if (await CheckedOutAsync(db, userId, contents.Version, cancellationToken) is { } first)
            {
                return AlreadyCheckedOut(first);
            }

            throw;
        }

        return Accepted(order);
    }

    public static async Task<Results<Ok<OrderDto>, NotFound>> GetOrder(Guid orderId, ClaimsPrincipal user, OrderingContext db, CancellationToken cancellationToken)
    {
        var userId = user.GetUserId();
        // Someone else's order is "not found", not "forbidden": its existence is not the caller's business.
        // One round trip: the order, its lines and the buyer's name (the order page polls this until the checkout ends).
        var found = await db.Orders.AsNoTracking()
            .Where(o => o.Id == orderId && o.UserId == userId)
            .Select(o => new { Order = o, BuyerName = db.Buyers.Where(b => b.UserId == o.UserId).Select(b => b.Name).FirstOrDefault() })
            .SingleOrDefaultAsync(cancellationToken);
        return found is null ? TypedResults.NotFound() : TypedResults.Ok(OrderDto.From(found.Order, found.BuyerName));
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
        TypedResults.Accepted($"/api/orders/{order.Id}", OrderAccepted.From(order));

    /// <summary>The key was used before: the same body gets the first answer again; another body is 422 (IETF Idempotency-Key draft).</summary>
    private static Results<Accepted<OrderAccepted>, ValidationProblem, ProblemHttpResult> Replay((Order Order, string? Fingerprint) existing, string fingerprint) =>
        existing.Fingerprint is null || existing.Fingerprint == fingerprint
            ? Accepted(existing.Order)
            : TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key reused with a different request",
                detail: $"This {IdempotencyHeader} header was already used for a checkout with a different body. Send a new {IdempotencyHeader} for a new checkout, or the same body to get the first answer.");

    private static ProblemHttpResult AlreadyCheckedOut(Guid orderId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The basket is already checked out",
            detail: $"This basket was checked out as order {orderId}; no second order was made. Change the basket to order again.",
            extensions: new Dictionary<string, object?> { ["orderId"] = orderId });

    /// <summary>SHA-256 of the request body as Ordering reads it, serialised in one fixed form: whitespace, member order and unknown members do not change it.</summary>
    private static string Fingerprint(CreateOrderRequest request)
    {
        // Dividing by 1.000… drops a decimal's trailing zeros, so that 10.0 and 10.00 are the same body.
        var canonical = request with { ExpectedTotal = request.ExpectedTotal / 1.000000000000000000000000000000000m };
        return Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(canonical, JsonSerializerOptions.Web)));
    }

    private static async Task<(Order Order, string? Fingerprint)?> ExistingAsync(OrderingContext db, string userId, string key, CancellationToken cancellationToken)
    {
        var record = await db.IdempotencyRecords.AsNoTracking().SingleOrDefaultAsync(r => r.UserId == userId && r.Key == key, cancellationToken);
        return record is null ? null : (await db.Orders.AsNoTracking().SingleAsync(o => o.Id == record.OrderId, cancellationToken), record.Fingerprint);
    }

    /// <summary>The order that consumed this version of the user's basket, if one did.</summary>
    private static Task<Guid?> CheckedOutAsync(OrderingContext db, string userId, long basketVersion, CancellationToken cancellationToken) =>
        db.BasketCheckouts.AsNoTracking().Where(c => c.UserId == userId && c.BasketVersion == basketVersion)
            .Select(c => (Guid?)c.OrderId).SingleOrDefaultAsync(cancellationToken);

    /// <summary>The caller's name as Identity announced it; null until its UserRegistered has arrived.</summary>
    private static Task<string?> BuyerNameAsync(OrderingContext db, string userId, CancellationToken cancellationToken) =>
        db.Buyers.AsNoTracking().Where(b => b.UserId == userId).Select(b => (string?)b.Name).SingleOrDefaultAsync(cancellationToken);
}
