namespace WebApp.Components;

/// <summary>Where to go after signing in: only a path of this site, so that a link cannot send a shopper elsewhere.</summary>
public static class ReturnUrls
{
    public static string LocalOrHome(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";
}
