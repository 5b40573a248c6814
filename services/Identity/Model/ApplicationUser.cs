using Microsoft.AspNetCore.Identity;

namespace Identity.Api.Model;

/// <summary>A shopper or an administrator: ASP.NET Core Identity's user (user name = email) plus the profile.</summary>
public sealed class ApplicationUser : IdentityUser
{
    [PersonalData]
    public string Name { get; set; } = "";

    /// <summary>Saved addresses, stored as one JSON column: always read and written with the user.</summary>
    [PersonalData]
    public List<Address> Addresses { get; set; } = [];

    public DateTimeOffset RegisteredAt { get; set; }
}

public sealed class Address
{
    public required string Street { get; set; }
    public required string City { get; set; }
    public required string PostalCode { get; set; }
    public required string Country { get; set; }
}

/// <summary>Role names as they appear in the <c>role</c> claim.</summary>
public static class Roles
{
    public const string Admin = "admin";
}
