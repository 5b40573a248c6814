using System.Security.Claims;
using Identity.Api.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace Identity.Api.Apis;

public static class ProfileApi
{
    public static IEndpointRouteBuilder MapProfileApi(this IEndpointRouteBuilder app)
    {
        // The caller's own profile: the user id is the token's subject, never a parameter.
        var api = app.MapGroup("/api/identity").WithTags("Profile").RequireAuthorization();

        api.MapGet("/profile", GetProfile)
            .WithName("GetProfile")
            .WithSummary("Get the caller's profile")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapPut("/profile", UpdateProfile)
            .WithName("UpdateProfile")
            .WithSummary("Replace the caller's name and addresses")
            .WithDescription($"A full replacement: addresses not sent are removed. At most {ProfileLimits.MaxAddresses} addresses; " +
                "country is an ISO 3166-1 alpha-2 code.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<Results<Ok<ProfileDto>, NotFound>> GetProfile(ClaimsPrincipal user, UserManager<ApplicationUser> users) =>
        await users.FindByIdAsync(user.GetUserId()) is { } account
            ? TypedResults.Ok(ProfileDto.From(account))
            : TypedResults.NotFound();

    public static async Task<Results<Ok<ProfileDto>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateProfile(
        UpdateProfileRequest request, ClaimsPrincipal user, UserManager<ApplicationUser> users)
    {
        if (request.Validate() is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (await users.FindByIdAsync(user.GetUserId()) is not { } account)
        {
            return TypedResults.NotFound();
        }

        account.Name = request.Name!.Trim();
        account.Addresses = [.. request.Addresses!.Select(a => a!).Select(a => new Address
        {
            Street = a.Street!.Trim(),
            City = a.City!.Trim(),
            PostalCode = a.PostalCode!.Trim(),
            Country = a.Country!.Trim().ToUpperInvariant(),
        })];

        var result = await users.UpdateAsync(account);
        if (!result.Succeeded)
        {
            // The only failure left after validation: the account changed between our read and write.
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Concurrent update",
                detail: "The profile changed meanwhile. Read it again and retry.");
        }

        return TypedResults.Ok(ProfileDto.From(account));
    }
}
