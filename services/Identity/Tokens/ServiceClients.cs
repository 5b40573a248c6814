using System.Security.Cryptography;
using System.Text;

namespace Identity.Api.Tokens;

/// <summary>
/// The services that may get service tokens (configuration section <c>ServiceClients</c>, one entry per
/// client id): each one's secret (an AppHost parameter or a Kubernetes Secret) and the audiences, the
/// target services, it may ask for.
/// </summary>
public sealed class ServiceClients
{
    public const string SectionName = "ServiceClients";

    /// <summary>Secrets shorter than this are refused at start.</summary>
    public const int MinimumSecretLength = 32;

    public const string UnusableMessage =
        "Every ServiceClients:{clientId} needs a Secret of at least 32 characters and at least one audience other than Jwt:Audience.";

    public Dictionary<string, ServiceClient> Clients { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The client with this id and secret (compared in constant time), or null.</summary>
    public ServiceClient? Authenticate(string? clientId, string? clientSecret)
    {
        if (clientId is null || clientSecret is null || !Clients.TryGetValue(clientId, out var client) || client.Secret is null)
        {
            return null;
        }

        // Hashes first: equal lengths, so the comparison's time says nothing about the secret.
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(clientSecret)), SHA256.HashData(Encoding.UTF8.GetBytes(client.Secret)))
            ? client
            : null;
    }

    public bool AreUsable(string userAudience) => Clients.Values.All(client =>
        client.Secret?.Length >= MinimumSecretLength && client.Audiences.Count > 0 && !client.Audiences.Contains(userAudience));
}

public sealed class ServiceClient
{
    public string? Secret { get; set; }

    public List<string> Audiences { get; set; } = [];
}
