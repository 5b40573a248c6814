using System.Net;
using Identity.Api.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Identity.Tests;

/// <summary>
/// Every text field of every Identity write route, sent with a NUL, a lone surrogate or one character
/// too many: 400 ProblemDetails naming the field, and nothing written. PostgreSQL would refuse the first
/// two (a 500) and the column the last.
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed class UnstorableTextTests(IdentityFixture fixture)
{
    private sealed record Route(string Method, string Path, bool SignedIn, string Template, Dictionary<string, int> MaxLengths);

    private static readonly Dictionary<string, Route> Routes = new()
    {
        ["register"] = new("POST", "/api/identity/register", false, """{"email":@email@,"password":@password@,"name":@name@}""",
            new() { ["email"] = 256, ["password"] = 128, ["name"] = ProfileLimits.MaxNameLength }),
        ["login"] = new("POST", "/api/identity/login", false, """{"email":@email@,"password":@password@}""",
            new() { ["email"] = 256, ["password"] = 128 }),
        ["refresh"] = new("POST", "/api/identity/refresh", false, """{"refreshToken":@refreshToken@}""",
            new() { ["refreshToken"] = 200 }),
        ["logout"] = new("POST", "/api/identity/logout", true, """{"refreshToken":@refreshToken@}""",
            new() { ["refreshToken"] = 200 }),
        ["profile"] = new("PUT", "/api/identity/profile", true,
            """{"name":@name@,"addresses":[{"street":@addresses[0].street@,"city":@addresses[0].city@,"postalCode":@addresses[0].postalCode@,"country":@addresses[0].country@}]}""",
            new()
            {
                ["name"] = ProfileLimits.MaxNameLength,
                ["addresses[0].street"] = ProfileLimits.MaxStreetLength,
                ["addresses[0].city"] = ProfileLimits.MaxCityLength,
                ["addresses[0].postalCode"] = ProfileLimits.MaxPostalCodeLength,
                ["addresses[0].country"] = 2,
            }),
    };

    public static TheoryData<string, string, SpoiledText.Kind> Cases()
    {
        var cases = new TheoryData<string, string, SpoiledText.Kind>();
        foreach (var (name, route) in Routes)
        {
            foreach (var field in route.MaxLengths.Keys)
            {
                foreach (var kind in SpoiledText.Kinds)
                {
                    cases.Add(name, field, kind);
                }
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_spoiled_text_field_is_400_naming_it_and_nothing_is_written(string routeName, string field, SpoiledText.Kind kind)
    {
        var route = Routes[routeName];
        var email = IdentityFixture.NewEmail();
        await fixture.RegisterAsync(email);
        var tokens = await fixture.LoginAsync(email);
        var valid = new Dictionary<string, string>
        {
            // register needs an address not yet taken; login the account's own.
            ["email"] = routeName == "register" ? IdentityFixture.NewEmail() : email,
            ["password"] = IdentityFixture.GoodPassword,
            ["name"] = "Ada Lovelace",
            ["refreshToken"] = tokens.RefreshToken,
            ["addresses[0].street"] = "1 Main St",
            ["addresses[0].city"] = "Utrecht",
            ["addresses[0].postalCode"] = "3511",
            ["addresses[0].country"] = "NL",
        };
        using var client = route.SignedIn ? fixture.ClientWith(tokens.AccessToken) : null;
        var before = await SnapshotAsync(email);

        using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path)
        {
            Content = SpoiledText.Body(route.Template, valid, field, SpoiledText.Json(kind, route.MaxLengths[field])),
        };
        var (status, mediaType, fields) = await SpoiledText.ReadProblemAsync(await (client ?? fixture.Anonymous).SendAsync(request));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.Contains(field, fields);
        Assert.Equal(before, await SnapshotAsync(email));
    }

    /// <summary>What any of these routes would change: accounts, the account's profile and stamp, refresh tokens.</summary>
    private async Task<string> SnapshotAsync(string email)
    {
        using var scope = fixture.Services.CreateScope();
        var db = fixture.CreateContext(scope);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
        var tokens = await db.RefreshTokens.AsNoTracking().Where(t => t.UserId == user.Id)
            .Select(t => new { t.Id, t.UsedAt, t.RevokedAt }).OrderBy(t => t.Id).ToListAsync();
        return $"{await db.Users.CountAsync()} users; {user.ConcurrencyStamp} {user.Name} {user.Addresses.Count} addresses; " +
            string.Join(",", tokens.Select(t => $"{t.Id}:{t.UsedAt}:{t.RevokedAt}"));
    }
}
