namespace Gateway.RateLimiting;

/// <summary>
/// The client's address as the limits see it: the connection's remote address, which the forwarded
/// headers middleware rewrites only for configured proxies (so a client cannot pick its own partition).
/// </summary>
public static class ClientAddress
{
    public static string Of(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
