using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TestSupport;

/// <summary>
/// Mints access tokens as Identity does, from the <see cref="JwtSettings"/> a test holds: its private
/// ECDSA key (<see cref="TestKeys"/>) and key id, issuer and audience. The services under test get only
/// the public key (<c>Jwt:PublicKey</c>).
/// </summary>
public static class AccessTokens
{
    /// <summary>A user's token: the user id in <c>sub</c>, an optional <c>role</c>.</summary>
    public static string Mint(JwtSettings jwt, string userId, string? role = null, DateTime? expires = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = userId };
        if (role is not null)
        {
            claims["role"] = role;
        }

        return Create(jwt.Audience, claims, expires, new SigningCredentials(jwt.CurrentSigningKey(), JwtSettings.Algorithm), jwt.Issuer);
    }

    /// <summary>A service token as Identity's token endpoint issues it: the caller in <c>client_id</c>, the target as audience.</summary>
    public static string MintService(JwtSettings jwt, string clientId, string audience, DateTime? expires = null) =>
        Create(audience, new Dictionary<string, object> { ["client_id"] = clientId }, expires,
            new SigningCredentials(jwt.CurrentSigningKey(), JwtSettings.Algorithm), jwt.Issuer);

    /// <summary>A well-formed token signed HS256 with a shared secret, as every process could before: validators must refuse it.</summary>
    public static string MintHs256(JwtSettings jwt, string sharedSecret, string userId, string? role = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = userId };
        if (role is not null)
        {
            claims["role"] = role;
        }

        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(sharedSecret)) { KeyId = jwt.KeyId };
        return Create(jwt.Audience, claims, null, new SigningCredentials(key, SecurityAlgorithms.HmacSha256), jwt.Issuer);
    }

    private static string Create(string audience, Dictionary<string, object> claims, DateTime? expires, SigningCredentials credentials, string issuer)
    {
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        // Issued before both now and the expiry, so expired and long-lived tokens are equally well formed.
        var issued = (expiry < DateTime.UtcNow ? expiry : DateTime.UtcNow).AddMinutes(-20);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = expiry,
            SigningCredentials = credentials,
        });
    }

    /// <summary>The same token with its payload rewritten (a role added) and the original signature kept.</summary>
    public static string Tampered(string token, string role)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1]));
        var forged = payload.TrimEnd('}') + $",\"role\":\"{role}\"}}";
        return $"{parts[0]}.{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(forged))}.{parts[2]}";
    }
}

/// <summary>ECDSA P-256 keys in the forms the platform's configuration takes (base64 PKCS#8 and SubjectPublicKeyInfo).</summary>
public static class TestKeys
{
    /// <summary>A new private key, as the AppHost generates Identity's.</summary>
    public static string NewPrivateKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return Convert.ToBase64String(key.ExportPkcs8PrivateKey());
    }

    /// <summary>The public half of <paramref name="privateKey"/>, for validators' <c>Jwt:PublicKey</c>.</summary>
    public static string PublicKeyOf(string privateKey)
    {
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(Convert.FromBase64String(privateKey), out _);
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>A new self-signed RSA certificate with its private key, base64 PKCS#12 without a password, as the AppHost
    /// generates the storefront's key-encryption certificate.</summary>
    public static string NewKeyEncryptionCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=test key encryption", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return Convert.ToBase64String(certificate.Export(X509ContentType.Pkcs12));
    }

    /// <summary>Settings holding a new private key under <paramref name="keyId"/>.</summary>
    public static JwtSettings NewSettings(string keyId = "key-1") => new() { SigningKey = NewPrivateKey(), KeyId = keyId };
}
