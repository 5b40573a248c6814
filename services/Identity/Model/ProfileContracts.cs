namespace Identity.Api.Model;

public static class ProfileLimits
{
    public const int MaxNameLength = 100;
    public const int MaxAddresses = 10;
    public const int MaxStreetLength = 200;
    public const int MaxCityLength = 100;
    public const int MaxPostalCodeLength = 20;
}

/// <summary>
/// A postal address, with the same limits as an order's shipping address so that a saved address can
/// always be used at checkout: street ≤ 200, city ≤ 100, postalCode ≤ 20 characters, country an ISO
/// 3166-1 alpha-2 code such as "DE". All four are required.
/// </summary>
public sealed record AddressDto(string? Street, string? City, string? PostalCode, string? Country);

/// <summary>A full replacement of the profile: name (required, ≤ 100 characters) and up to 10 addresses; addresses not sent are removed.</summary>
/// <remarks>
/// Checked by <see cref="Validate"/>, not by validation attributes: the framework would name a nested
/// field in C# case (addresses[0].City) instead of as clients send it (addresses[0].city).
/// </remarks>
public sealed record UpdateProfileRequest(string? Name, List<AddressDto?>? Addresses)
{
    /// <summary>Every broken rule, keyed by the field's JSON path; empty when the request is valid.</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        Text(errors, "name", Name, ProfileLimits.MaxNameLength);
        if (Addresses is null)
        {
            errors["addresses"] = ["The addresses are required (an empty list removes them all)."];
        }
        else if (Addresses.Count > ProfileLimits.MaxAddresses)
        {
            errors["addresses"] = [$"At most {ProfileLimits.MaxAddresses} addresses."];
        }
        else
        {
            for (var i = 0; i < Addresses.Count; i++)
            {
                var path = $"addresses[{i}]";
                if (Addresses[i] is not { } address)
                {
                    errors[path] = ["The address is required."];
                    continue;
                }

                Text(errors, $"{path}.street", address.Street, ProfileLimits.MaxStreetLength);
                Text(errors, $"{path}.city", address.City, ProfileLimits.MaxCityLength);
                Text(errors, $"{path}.postalCode", address.PostalCode, ProfileLimits.MaxPostalCodeLength);
                if (address.Country?.Trim() is not { Length: 2 } country || !country.All(char.IsAsciiLetter))
                {
                    errors[$"{path}.country"] = ["The country is an ISO 3166-1 alpha-2 code, for example \"DE\"."];
                }
            }
        }

        return errors;
    }

    private static void Text(Dictionary<string, string[]> errors, string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = ["Required."];
        }
        else if (value.Trim().Length > maxLength)
        {
            errors[field] = [$"At most {maxLength} characters."];
        }
    }
}

public sealed record ProfileDto(string UserId, string Email, string Name, IReadOnlyList<AddressDto> Addresses)
{
    public static ProfileDto From(ApplicationUser user) => new(user.Id, user.Email!, user.Name,
        [.. user.Addresses.Select(a => new AddressDto(a.Street, a.City, a.PostalCode, a.Country))]);
}
