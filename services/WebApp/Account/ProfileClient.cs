using WebApp.Orders;
using WebApp.PublicApi;

namespace WebApp.Account;

/// <summary>The signed-in shopper's profile as Identity keeps it.</summary>
public sealed record Profile(string UserId, string Email, string Name, ShippingAddress[] Addresses);

/// <summary>The shopper's profile (<c>/api/identity/profile</c>), with the shopper's token.</summary>
public sealed class ProfileClient(HttpClient http)
{
    /// <summary>How many addresses a profile holds at most (Identity refuses more).</summary>
    public const int MaxAddresses = 10;

    public async Task<Profile> GetAsync(CancellationToken cancellationToken)
    {
        using var response = await PublicApiCalls.SendAsync(() => http.GetAsync("api/identity/profile", cancellationToken), cancellationToken);
        return await PublicApiCalls.ReadAsync<Profile>(response, cancellationToken);
    }

    /// <summary>Adds <paramref name="address"/> to the profile unless it is there already or the profile is full.</summary>
    /// <exception cref="ApiProblemException">400 naming the field, 409 the profile changed meanwhile, or no answer.</exception>
    public async Task RememberAsync(ShippingAddress address, CancellationToken cancellationToken)
    {
        var profile = await GetAsync(cancellationToken);
        if (profile.Addresses.Contains(address) || profile.Addresses.Length >= MaxAddresses)
        {
            return;
        }

        using var response = await PublicApiCalls.SendAsync(() => http.PutAsJsonAsync("api/identity/profile",
            new { name = profile.Name, addresses = profile.Addresses.Append(address) }, cancellationToken), cancellationToken);
        await PublicApiCalls.ReadAsync<Profile>(response, cancellationToken);
    }
}
