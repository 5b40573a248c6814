using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace WebApp.Account;

/// <summary>
/// The store of the session keys as Data Protection sees it: every element of <paramref name="inner"/> but the keys kept
/// unencrypted, which it never loads. Such a key was stored before the keys were encrypted, or written by someone with
/// write access to Redis; whoever could read it could forge sessions with it for as long as it is loaded (Data Protection
/// still reads payloads with an expired key), so a key the certificate did not protect protects nothing here.
/// </summary>
public sealed partial class EncryptedKeyRepository(IXmlRepository inner, ILogger<EncryptedKeyRepository> logger) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var all = inner.GetAllElements();
        var encrypted = all.Where(element => !IsUnencryptedKey(element)).ToList();
        if (encrypted.Count < all.Count)
        {
            LogIgnored(logger, all.Count - encrypted.Count);
        }

        return encrypted;
    }

    public void StoreElement(XElement element, string friendlyName) => inner.StoreElement(element, friendlyName);

    // An unencrypted key holds its secret in a <masterKey> element; an encrypted one holds <EncryptedData> in its place.
    // Other elements (revocations) hold no secret.
    private static bool IsUnencryptedKey(XElement element) => element.Name.LocalName == "key" && element.Descendants("masterKey").Any();

    [LoggerMessage(LogLevel.Warning, "Ignoring {Count} session key(s) stored unencrypted: sessions protected with them end, and their shoppers sign in again")]
    private static partial void LogIgnored(ILogger logger, int count);
}
