using System.Text.Json;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Names the keys of a validation problem's <c>errors</c> as clients send them. The framework's validation
/// keys nested fields by their C# path (<c>ShippingAddress.City</c>); plain camel case would only lower the
/// first letter (<c>shippingAddress.City</c>), so each segment is camel-cased instead. A key with a hyphen
/// names a header (<c>Idempotency-Key</c>) and keeps the spelling HTTP gives it.
/// </summary>
public sealed class FieldPathNamingPolicy : JsonNamingPolicy
{
    public override string ConvertName(string name) =>
        name.Contains('-') ? name : string.Join('.', name.Split('.').Select(CamelCase.ConvertName));
}
