using System.Net.Mail;
using System.Security.Claims;
using BuildingBlocks.Data;
using Identity.Api.Data;
using Identity.Api.Model;
using Identity.Api.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Identity.Api.Apis;

public static class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/identity").WithTags("Identity");

        api.MapPost("/register", Register)
            .WithName("Register")
            .WithSummary("Create an account")
            .WithDescription("The password must have at least 8 characters with a digit, a lower-case and an upper-case letter and a symbol; " +
                "a weak one is a 400 whose errors.password lists each broken rule, and whose rules extension has the rules' codes.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/login", Login)
            .WithName("Login")
            .WithSummary("Sign in with email and password")
            .WithDescription("Returns an access token (expiresIn seconds) and a single-use refresh token. " +
                "An unknown email, a wrong password and a locked-out account all get the same 401.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapPost("/refresh", Refresh)
            .WithName("RefreshTokens")
            .WithSummary("Exchange a refresh token for new tokens")
            .WithDescription("Each refresh token works once. Presenting one again revokes its whole family: the session ends and the user signs in again.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapPost("/logout", Logout)
            .RequireAuthorization()
            .WithName("Logout")
            .WithSummary("End the session of a refresh token, or all of the caller's sessions")
            .WithDescription("With { refreshToken } revokes that token's family if it is the caller's; without a body, every family of the caller. Always 204.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }

    public static async Task<Results<Created<RegisteredResponse>, ValidationProblem, ProblemHttpResult>> Register(
        RegisterRequest request, UserRegistration registration, CancellationToken cancellationToken)
    {
        // [EmailAddress] only checks for a single '@'; a mailbox must also parse as one, exactly as sent.
        if (!MailAddress.TryCreate(request.Email, out var mailbox) || mailbox.Address != request.Email)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = ["The email is not a valid address."] });
        }

        var user = new ApplicationUser { UserName = request.Email, Email = request.Email, Name = request.Name!.Trim() };
        IdentityResult result;
        try
        {
            result = await registration.RegisterAsync(user, request.Password!, cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            // The same email was registered concurrently and won the unique index.
            return DuplicateEmail();
        }

        if (result.Succeeded)
        {
            return TypedResults.Created("/api/identity/profile", new RegisteredResponse(user.Id));
        }

        if (result.Errors.Any(e => e.Code is nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName)))
        {
            return DuplicateEmail();
        }

        // Each message carries its rule's code, so clients can match rules without parsing English.
        var errors = result.Errors
            .GroupBy(e => FieldOf(e.Code))
            .ToDictionary(g => g.Key, g => g.Select(e => $"{e.Description} ({e.Code})").ToArray());
        return TypedResults.ValidationProblem(errors, extensions: new Dictionary<string, object?>
        {
            ["rules"] = result.Errors.Select(e => e.Code).ToArray(),
        });
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Login(
        LoginRequest request, UserManager<ApplicationUser> users, AccessTokenIssuer accessTokens, RefreshTokenStore refreshTokens,
        CancellationToken cancellationToken)
    {
        var user = await users.FindByEmailAsync(request.Email!);
        if (user is null || await users.IsLockedOutAsync(user))
        {
            // Hash anyway, so that an unknown email or a locked account takes as long as a wrong password
            // and cannot be told apart from one.
            users.PasswordHasher.VerifyHashedPassword(new ApplicationUser(), UnknownUserHash(users), request.Password!);
            return InvalidCredentials();
        }

        if (!await users.CheckPasswordAsync(user, request.Password!))
        {
            // Counts towards lockout; a concurrent update of the count loses the race quietly (no 500).
            await users.AccessFailedAsync(user);
            return InvalidCredentials();
        }

        if (await users.GetAccessFailedCountAsync(user) > 0)
        {
            await users.ResetAccessFailedCountAsync(user);
        }

        var refreshToken = await refreshTokens.IssueAsync(user.Id, cancellationToken);
        return TypedResults.Ok(await TokensAsync(user, refreshToken, users, accessTokens));
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Refresh(
        RefreshRequest request, UserManager<ApplicationUser> users, AccessTokenIssuer accessTokens, RefreshTokenStore refreshTokens,
        CancellationToken cancellationToken)
    {
        var issued = await refreshTokens.RotateAsync(request.RefreshToken!, cancellationToken);
        if (issued is null || await users.FindByIdAsync(issued.UserId) is not { } user)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid refresh token",
                detail: "The refresh token is unknown, expired, revoked or already used. Sign in again.");
        }

        // Claims are read afresh: a role granted or a name changed since the login shows in the new token.
        return TypedResults.Ok(await TokensAsync(user, issued.Token, users, accessTokens));
    }

    public static async Task<NoContent> Logout(
        LogoutRequest? request, ClaimsPrincipal user, RefreshTokenStore refreshTokens, CancellationToken cancellationToken)
    {
        await refreshTokens.RevokeAsync(user.GetUserId(), request?.RefreshToken, cancellationToken);
        return TypedResults.NoContent();
    }


    private static async Task<TokenResponse> TokensAsync(
        ApplicationUser user, string refreshToken, UserManager<ApplicationUser> users, AccessTokenIssuer accessTokens) =>
        new(accessTokens.Issue(user, await users.GetRolesAsync(user)), refreshToken, (int)accessTokens.Lifetime.TotalSeconds);

    private static string FieldOf(string code) => code switch
    {
        _ when code.StartsWith("Password", StringComparison.Ordinal) => "password",
        _ when code.Contains("Email", StringComparison.Ordinal) || code.Contains("UserName", StringComparison.Ordinal) => "email",
        _ => "request",
    };

    private static ProblemHttpResult DuplicateEmail() =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Email already registered",
            detail: "An account with this email exists. Sign in instead.");

    private static ProblemHttpResult InvalidCredentials() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid credentials",
            detail: "The email or the password is wrong.");

    private static string? _unknownUserHash;

    private static string UnknownUserHash(UserManager<ApplicationUser> users) =>
        _unknownUserHash ??= users.PasswordHasher.HashPassword(new ApplicationUser(), Guid.NewGuid().ToString());
}
