namespace FunctionsHost;

/// <summary>
/// Documents the JSON body an HTTP function reads itself (with <see cref="FunctionRequests.ReadAsync{T}"/>),
/// which the trigger's <c>HttpRequest</c> parameter cannot tell. Documentation only: unlike <c>[Consumes]</c>
/// it does not make routing refuse other content types.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FunctionBodyAttribute(Type type) : Attribute
{
    public Type Type { get; } = type;
}

