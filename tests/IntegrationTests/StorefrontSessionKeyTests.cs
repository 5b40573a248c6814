using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace IntegrationTests;

/// <summary>
/// The keys that encrypt the storefront's session cookies (which hold shoppers' tokens) are kept in Redis so that every
/// replica and restart shares them; they are stored only encrypted with the storefront's certificate, so reading Redis
/// gives neither a session nor the means to forge one.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class StorefrontSessionKeyTests(PlatformFixture platform)
{
    private const string KeysList = "storefront:data-protection-keys";
    private static readonly XNamespace XmlEncryption = "http://www.w3.org/2001/04/xmlenc#";

    [Fact]
    public async Task The_storefronts_session_keys_are_stored_in_Redis_only_encrypted_with_its_certificate()
    {
        // The sign-in form carries an antiforgery token: once it is served, the storefront has made and stored a key.
        using var shop = platform.App.CreateHttpClient("webapp");
        using (var signIn = await shop.GetAsync("/signin"))
        {
            signIn.EnsureSuccessStatusCode();
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync((await platform.App.GetConnectionStringAsync("redis"))!);
        var stored = (await redis.GetDatabase().ListRangeAsync(KeysList)).Select(value => XElement.Parse(value!)).ToList();
        Assert.NotEmpty(stored);
        Assert.All(stored, key =>
        {
            // Unencrypted, a key's secret is a <masterKey> element holding it in base64.
            Assert.Empty(key.Descendants("masterKey"));
            Assert.NotEmpty(key.Descendants(XmlEncryption + "EncryptedData"));
        });

        // The storefront's certificate reads every stored key; without it none can be read.
        var parameter = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<ParameterResource>().Single(p => p.Name == "storefront-key-encryption-certificate");
        using var certificate = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String((await parameter.GetValueAsync(CancellationToken.None))!), password: null);

        using (var withCertificate = KeyRing(redis, certificate))
        {
            var keys = withCertificate.GetRequiredService<IKeyManager>().GetAllKeys();
            Assert.Equal(stored.Count, keys.Count);
            Assert.All(keys, key => Assert.NotNull(key.Descriptor));
        }

        using (var withoutCertificate = KeyRing(redis, certificate: null))
        {
            var keys = withoutCertificate.GetRequiredService<IKeyManager>().GetAllKeys();
            Assert.Equal(stored.Count, keys.Count);
            Assert.All(keys, key => Assert.ThrowsAny<Exception>(() => key.Descriptor));
        }
    }

    private static ServiceProvider KeyRing(IConnectionMultiplexer redis, X509Certificate2? certificate)
    {
        var services = new ServiceCollection();
        var dataProtection = services.AddDataProtection().SetApplicationName("storefront").PersistKeysToStackExchangeRedis(redis, KeysList);
        if (certificate is not null)
        {
            dataProtection.UnprotectKeysWithAnyCertificate(certificate);
        }

        return services.BuildServiceProvider();
    }
}
