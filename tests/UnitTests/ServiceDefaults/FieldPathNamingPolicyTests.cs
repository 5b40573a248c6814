using Microsoft.Extensions.Hosting;

namespace UnitTests.ServiceDefaults;

public class FieldPathNamingPolicyTests
{
    [Theory]
    [InlineData("Email", "email")]
    [InlineData("ShippingAddress.City", "shippingAddress.city")]
    [InlineData("Addresses[0].PostalCode", "addresses[0].postalCode")]
    [InlineData("addresses[1].street", "addresses[1].street")]
    [InlineData("Idempotency-Key", "Idempotency-Key")]
    public void Each_segment_is_camel_cased_and_header_names_are_kept(string key, string expected)
    {
        Assert.Equal(expected, new FieldPathNamingPolicy().ConvertName(key));
    }
}
