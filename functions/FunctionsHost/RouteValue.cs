using System.Globalization;
using System.Reflection;

namespace FunctionsHost;

/// <summary>Binds route values to function parameters by name, as the Functions host binds trigger data.</summary>
internal static class RouteValue
{
    public static bool Supports(Type type) =>
        type == typeof(string) || type == typeof(int) || type == typeof(long) || type == typeof(Guid);

    /// <summary>False when the value is present but not of the parameter's type, or absent where a value is required.</summary>
    public static bool TryConvert(string? raw, ParameterInfo parameter, out object? value)
    {
        var nullable = !parameter.ParameterType.IsValueType || Nullable.GetUnderlyingType(parameter.ParameterType) is not null;
        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        if (string.IsNullOrEmpty(raw))
        {
            // An optional route segment ({id?}) that was left out.
            value = parameter.HasDefaultValue ? parameter.DefaultValue : null;
            return parameter.HasDefaultValue || nullable;
        }

        value = type == typeof(string) ? raw
            : type == typeof(int) && int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i
            : type == typeof(long) && long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l
            : type == typeof(Guid) && Guid.TryParse(raw, out var g) ? g
            : null;
        return value is not null;
    }
}
