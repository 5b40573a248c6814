using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The access-token settings (configuration section <c>Jwt</c>). Identity alone holds the private
/// <see cref="SigningKey"/> (ECDSA P-256, ES256) and publishes its public half as a JWKS; every other
/// service validates with the public key only, read from Identity's metadata (<see cref="MetadataAddress"/>)
/// or, where configured, from <see cref="PublicKey"/>. The private key comes from an AppHost parameter or
/// a Kubernetes Secret, never from source.
/// </summary>
public sealed class JwtSettings
{
    public const string SectionName = "Jwt";

    /// <summary>The only algorithm tokens are signed with and the only one validators accept.</summary>
    public const string Algorithm = SecurityAlgorithms.EcdsaSha256;

    public const string UnusableSigningKeyMessage =
        "Jwt:SigningKey is not an ECDSA P-256 private key (PEM, or base64 PKCS#8). Identity alone holds it; it comes " +
        "from the AppHost's identity-signing-key parameter or a Kubernetes Secret and never belongs in source.";

    public const string UnusablePublicKeyMessage =
        "Jwt:PublicKey and every Jwt:PreviousKeys:{kid} must be ECDSA P-256 public keys (PEM, or base64 SubjectPublicKeyInfo), " +
        "and no retired key may reuse Jwt:KeyId.";

    /// <summary>Identity only: the private key tokens are signed with now.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The <c>kid</c> header of tokens signed with <see cref="SigningKey"/>: validators pick the key by it, which lets keys rotate.</summary>
    public string KeyId { get; set; } = "key-1";

    /// <summary>Identity only: public keys of retired signing keys by key id, still published until the tokens they signed have expired.</summary>
    public Dictionary<string, string> PreviousKeys { get; set; } = [];

    /// <summary>
    /// Validators: Identity's public key, used instead of its published keys (tests, or a cluster that
    /// prefers a mounted key). Tokens must then carry <see cref="KeyId"/> as their <c>kid</c>.
    /// </summary>
    public string? PublicKey { get; set; }

    /// <summary>Validators without <see cref="PublicKey"/>: Identity's metadata document, whose <c>jwks_uri</c> lists the keys (resolved by service discovery).</summary>
    public string MetadataAddress { get; set; } = "http://identity/.well-known/openid-configuration";

    public string Issuer { get; set; } = "ecommerce-identity";

    /// <summary>The audience of user (shopper and administrator) tokens; service tokens name their target service instead.</summary>
    public string Audience { get; set; } = "ecommerce";

    public bool HasUsableSigningKey => SigningKey is null || TryImport(SigningKey, isPrivate: true) is not null;

    public bool HasUsablePublicKeys =>
        (PublicKey is null || TryImport(PublicKey, isPrivate: false) is not null)
        && PreviousKeys.All(previous => TryImport(previous.Value, isPrivate: false) is not null
            && !string.Equals(previous.Key, KeyId, StringComparison.Ordinal));

    /// <summary>The private key with its key id (Identity).</summary>
    public ECDsaSecurityKey CurrentSigningKey() =>
        new(TryImport(SigningKey ?? throw new InvalidOperationException(UnusableSigningKeyMessage), isPrivate: true)
            ?? throw new InvalidOperationException(UnusableSigningKeyMessage)) { KeyId = KeyId };

    /// <summary>
    /// The public keys this process holds itself: <see cref="PublicKey"/>, or (Identity) the public half of
    /// its signing key and its retired keys. Empty means "read them from <see cref="MetadataAddress"/>".
    /// </summary>
    public IReadOnlyList<ECDsaSecurityKey> LocalValidationKeys()
    {
        if (PublicKey is not null)
        {
            return [new ECDsaSecurityKey(TryImport(PublicKey, isPrivate: false)!) { KeyId = KeyId }];
        }

        if (SigningKey is null)
        {
            return [];
        }

        var current = CurrentSigningKey().ECDsa.ExportParameters(includePrivateParameters: false);
        return [
            new ECDsaSecurityKey(ECDsa.Create(current)) { KeyId = KeyId },
            .. PreviousKeys.Select(previous => new ECDsaSecurityKey(TryImport(previous.Value, isPrivate: false)!) { KeyId = previous.Key }),
        ];
    }

    /// <summary>A P-256 key from PEM or base64 DER (PKCS#8 for a private key, SubjectPublicKeyInfo for a public one); null if it is not one.</summary>
    public static ECDsa? TryImport(string text, bool isPrivate)
    {
        var key = ECDsa.Create();
        try
        {
            if (text.TrimStart().StartsWith("-----", StringComparison.Ordinal))
            {
                key.ImportFromPem(text);
            }
            else if (isPrivate)
            {
                key.ImportPkcs8PrivateKey(Convert.FromBase64String(text.Trim()), out _);
            }
            else
            {
                key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(text.Trim()), out _);
            }

            var parameters = key.ExportParameters(includePrivateParameters: false);
            var isP256 = parameters.Curve.Oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value;
            var hasPrivate = isPrivate && IsPrivate(key);
            if (isP256 && (!isPrivate || hasPrivate))
            {
                return key;
            }
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
        }

        key.Dispose();
        return null;
    }

    private static bool IsPrivate(ECDsa key)
    {
        try
        {
            return key.ExportParameters(includePrivateParameters: true).D is { Length: > 0 };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
