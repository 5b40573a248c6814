using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The access-token settings shared by Identity (which signs) and every service that validates
/// (configuration section <c>Jwt</c>). The signing key comes from an AppHost parameter or a Kubernetes
/// Secret, never from source; a service refuses to start without one.
/// </summary>
public sealed class JwtSettings
{
    public const string SectionName = "Jwt";

    /// <summary>HMAC-SHA256 wants a key at least as long as its output: 256 bits.</summary>
    public const int MinimumSigningKeyLength = 32;

    public const string MissingKeyMessage =
        "Jwt:SigningKey is missing or shorter than 32 characters. Set it to a random secret (the AppHost's " +
        "jwt-signing-key parameter, a Kubernetes Secret, user secrets); it never belongs in source.";

    public const string UnusableRetiredKeyMessage =
        "Every Jwt:PreviousKeys:{kid} must be at least 32 characters and use a key id other than Jwt:KeyId.";

    /// <summary>The key tokens are signed with now.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The <c>kid</c> header of tokens signed with <see cref="SigningKey"/>: validators pick the key by it, which lets keys rotate.</summary>
    public string KeyId { get; set; } = "key-1";

    /// <summary>Retired keys by key id, still accepted until the tokens they signed have expired.</summary>
    public Dictionary<string, string> PreviousKeys { get; set; } = [];

    public string Issuer { get; set; } = "ecommerce-identity";

    public string Audience { get; set; } = "ecommerce";

    public bool HasUsableSigningKey => SigningKey?.Length >= MinimumSigningKeyLength;

    /// <summary>Retired keys are as long as a current one must be, and none reuses the current key id.</summary>
    public bool HasUsableRetiredKeys => PreviousKeys.All(previous =>
        previous.Value?.Length >= MinimumSigningKeyLength && !string.Equals(previous.Key, KeyId, StringComparison.Ordinal));

    /// <summary>The current key with its key id.</summary>
    public SymmetricSecurityKey CurrentKey() =>
        new(Encoding.UTF8.GetBytes(SigningKey ?? throw new InvalidOperationException(MissingKeyMessage))) { KeyId = KeyId };

    /// <summary>Every key a token may be signed with: the current one and the retired ones.</summary>
    public IReadOnlyList<SecurityKey> ValidationKeys() =>
        [CurrentKey(), .. PreviousKeys.Select(previous => new SymmetricSecurityKey(Encoding.UTF8.GetBytes(previous.Value)) { KeyId = previous.Key })];
}
