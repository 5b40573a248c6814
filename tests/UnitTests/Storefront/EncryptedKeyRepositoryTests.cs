using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Logging.Abstractions;
using WebApp.Account;

namespace UnitTests.Storefront;

public class EncryptedKeyRepositoryTests
{
    [Fact]
    public void Keys_stored_unencrypted_are_never_handed_to_Data_Protection_while_encrypted_keys_and_revocations_are()
    {
        var plain = Key("11111111-1111-1111-1111-111111111111",
            new XElement("masterKey", new XElement("value", "c2VjcmV0")));
        var encrypted = Key("22222222-2222-2222-2222-222222222222",
            new XElement(XName.Get("encryptedSecret", "http://schemas.asp.net/2015/03/dataProtection"),
                new XElement(XName.Get("EncryptedData", "http://www.w3.org/2001/04/xmlenc#"))));
        var revocation = new XElement("revocation", new XAttribute("version", "1"), new XElement("key", new XAttribute("id", "*")));
        var store = new ListRepository(plain, encrypted, revocation);

        var repository = new EncryptedKeyRepository(store, NullLogger<EncryptedKeyRepository>.Instance);

        Assert.Equal([encrypted, revocation], repository.GetAllElements());
        // What it stores goes to the store unchanged.
        var next = Key("33333333-3333-3333-3333-333333333333");
        repository.StoreElement(next, "key-3");
        Assert.Contains(next, store.GetAllElements());
    }

    private static XElement Key(string id, params object[] secret) =>
        new("key", new XAttribute("id", id), new XAttribute("version", "1"),
            new XElement("descriptor", new XElement("descriptor", secret)));

    /// <summary>The elements of a Redis list, as RedisXmlRepository returns them, kept in memory for the test.</summary>
    private sealed class ListRepository(params XElement[] elements) : IXmlRepository
    {
        private readonly List<XElement> _elements = [.. elements];

        public IReadOnlyCollection<XElement> GetAllElements() => [.. _elements];

        public void StoreElement(XElement element, string friendlyName) => _elements.Add(element);
    }
}
