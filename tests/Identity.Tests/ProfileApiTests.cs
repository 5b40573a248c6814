using System.Net;
using System.Net.Http.Json;

namespace Identity.Tests;

/// <summary>The caller's profile: name and addresses.</summary>
[Collection(IdentityCollection.Name)]
public sealed class ProfileApiTests(IdentityFixture fixture)
{
    private sealed record Address(string Street, string City, string PostalCode, string Country);

    private sealed record Profile(string UserId, string Email, string Name, List<Address> Addresses);

    private async Task<(string UserId, string Email, HttpClient Client)> SignedInAsync()
    {
        var email = IdentityFixture.NewEmail();
        var userId = await fixture.RegisterAsync(email, name: "Grace Hopper");
        return (userId, email, fixture.ClientWith((await fixture.LoginAsync(email)).AccessToken));
    }

    [Fact]
    public async Task The_profile_requires_a_valid_token()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Anonymous.GetAsync("/api/identity/profile")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await fixture.Anonymous.PutAsJsonAsync("/api/identity/profile", new { name = "X", addresses = Array.Empty<object>() })).StatusCode);

        using var forged = fixture.ClientWith("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/identity/profile")).StatusCode);
    }

    [Fact]
    public async Task A_new_account_has_its_registration_name_and_no_addresses()
    {
        var (userId, email, client) = await SignedInAsync();
        using var _ = client;

        var profile = (await client.GetFromJsonAsync<Profile>("/api/identity/profile"))!;

        Assert.Equal(userId, profile.UserId);
        Assert.Equal(email, profile.Email);
        Assert.Equal("Grace Hopper", profile.Name);
        Assert.Empty(profile.Addresses);
    }

    [Fact]
    public async Task Put_then_get_round_trips_name_and_addresses()
    {
        var (userId, email, client) = await SignedInAsync();
        using var _ = client;
        Address[] addresses = [new("1 Main Street", "Springfield", "12345", "US"), new("Unter den Linden 1", "Berlin", "10117", "DE")];

        var put = await client.PutAsJsonAsync("/api/identity/profile", new { name = "Grace B. Hopper", addresses });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var saved = (await put.Content.ReadFromJsonAsync<Profile>())!;
        var read = (await client.GetFromJsonAsync<Profile>("/api/identity/profile"))!;

        foreach (var profile in new[] { saved, read })
        {
            Assert.Equal(userId, profile.UserId);
            Assert.Equal(email, profile.Email);
            Assert.Equal("Grace B. Hopper", profile.Name);
            Assert.Equal(addresses, profile.Addresses);
        }

        // A full replacement: the addresses not sent are gone.
        await client.PutAsJsonAsync("/api/identity/profile", new { name = "Grace", addresses = addresses[1..] });
        Assert.Equal(addresses[1..], (await client.GetFromJsonAsync<Profile>("/api/identity/profile"))!.Addresses);
    }

    public static TheoryData<string, object> InvalidProfiles => new()
    {
        { "name", new { name = "", addresses = Array.Empty<object>() } },
        { "name", new { name = new string('n', 101), addresses = Array.Empty<object>() } },
        { "addresses", new { name = "Grace" } },
        { "addresses", new { name = "Grace", addresses = Enumerable.Repeat(new Address("1 Main Street", "Springfield", "12345", "US"), 11) } },
        { "city", new { name = "Grace", addresses = new[] { new { street = "1 Main Street", city = "", postalCode = "12345", country = "US" } } } },
        { "country", new { name = "Grace", addresses = new[] { new { street = "1 Main Street", city = "Springfield", postalCode = "12345", country = "USA" } } } },
        { "addresses[0]", new { name = "Grace", addresses = new object?[] { null } } },
        { "street", new { name = "Grace", addresses = new[] { new { street = new string('s', 201), city = "Springfield", postalCode = "12345", country = "US" } } } },
    };

    [Theory]
    [MemberData(nameof(InvalidProfiles))]
    public async Task An_invalid_profile_is_400_naming_the_field(string field, object body)
    {
        var (_, _, client) = await SignedInAsync();
        using var _ = client;

        var response = await client.PutAsJsonAsync("/api/identity/profile", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await AccountApiTests.ProblemAsync(response)).GetProperty("errors");
        var keys = errors.EnumerateObject().Select(p => p.Name).ToList();
        // Nested fields are named by their JSON path: addresses[0].city.
        Assert.Contains(keys, k => k == field || k == "addresses[0]." + field);
        Assert.Equal("Grace Hopper", (await client.GetFromJsonAsync<Profile>("/api/identity/profile"))!.Name);
    }

    [Fact]
    public async Task A_new_name_shows_in_the_next_refreshed_token()
    {
        var email = IdentityFixture.NewEmail();
        await fixture.RegisterAsync(email, name: "Before");
        var login = await fixture.LoginAsync(email);
        using var client = fixture.ClientWith(login.AccessToken);
        await client.PutAsJsonAsync("/api/identity/profile", new { name = "After", addresses = Array.Empty<object>() });

        var refreshed = await (await fixture.Anonymous.PostAsJsonAsync("/api/identity/refresh", new { login.RefreshToken }))
            .Content.ReadFromJsonAsync<Tokens>();

        var claims = (await fixture.ValidateAsync(refreshed!.AccessToken)).Claims;
        Assert.Equal("After", claims["name"]);
    }
}
