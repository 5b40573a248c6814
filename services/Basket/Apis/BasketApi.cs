using System.Security.Claims;
using Basket.Api.Model;
using BuildingBlocks.StateStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Basket.Api.Apis;

public static class BasketApi
{
    public const int MaxQuantity = 1000;

    public static IEndpointRouteBuilder MapBasketApi(this IEndpointRouteBuilder app)
    {
        // Every route acts on the caller's own basket: the user id is the token's subject, never a parameter.
        var api = app.MapGroup("/api/basket").WithTags("Basket").RequireAuthorization();

        api.MapGet("/", GetBasket)
            .WithName("GetBasket")
            .WithSummary("Get the caller's basket")
            .WithDescription("Lines with current catalog names and prices, and the total. Products the catalog no longer has are dropped.");
        api.MapPut("/items/{productId:int}", SetQuantity)
            .WithName("SetBasketItemQuantity")
            .WithSummary("Set the quantity of a product in the basket")
            .WithDescription($"Sets (does not add to) the quantity, from 1 to {MaxQuantity}; adds the product if it is not in the basket yet.");
        api.MapDelete("/items/{productId:int}", RemoveItem)
            .WithName("RemoveBasketItem")
            .WithSummary("Remove a product from the basket");
        api.MapDelete("/", ClearBasket)
            .WithName("ClearBasket")
            .WithSummary("Empty the basket");

        return app;
    }

    public static async Task<Ok<BasketDto>> GetBasket(ClaimsPrincipal user, BasketStore baskets, CancellationToken cancellationToken) =>
        TypedResults.Ok(await baskets.GetAsync(user.GetUserId(), cancellationToken));

    public static async Task<Results<Ok<BasketDto>, ValidationProblem, ProblemHttpResult>> SetQuantity(
        int productId, SetQuantityRequest request, ClaimsPrincipal user, BasketStore baskets, CancellationToken cancellationToken)
    {
        if (request.Quantity is < 1 or > MaxQuantity)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["quantity"] = [$"The quantity must be between 1 and {MaxQuantity}."],
            });
        }

        var userId = user.GetUserId();
        try
        {
            if (!await baskets.SetQuantityAsync(userId, productId, request.Quantity, cancellationToken))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["productId"] = [$"There is no product {productId} in the catalog."],
                });
            }
        }
        catch (StateConcurrencyException)
        {
            return Busy();
        }

        return TypedResults.Ok(await baskets.GetAsync(userId, cancellationToken));
    }

    public static async Task<Results<Ok<BasketDto>, ProblemHttpResult>> RemoveItem(
        int productId, ClaimsPrincipal user, BasketStore baskets, CancellationToken cancellationToken)
    {
        var userId = user.GetUserId();
        try
        {
            await baskets.RemoveAsync(userId, productId, cancellationToken);
        }
        catch (StateConcurrencyException)
        {
            return Busy();
        }

        return TypedResults.Ok(await baskets.GetAsync(userId, cancellationToken));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ClearBasket(ClaimsPrincipal user, BasketStore baskets, CancellationToken cancellationToken)
    {
        try
        {
            await baskets.ClearAsync(user.GetUserId(), consumedVersion: null, cancellationToken);
        }
        catch (StateConcurrencyException)
        {
            return Busy();
        }

        return TypedResults.NoContent();
    }


    /// <summary>Every retry lost to other writers: rare, and safe for the client to repeat.</summary>
    private static ProblemHttpResult Busy() =>
        TypedResults.Problem(title: "The basket is being changed by another request; try again.", statusCode: StatusCodes.Status409Conflict);
}
