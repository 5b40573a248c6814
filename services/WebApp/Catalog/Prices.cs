using System.Globalization;

namespace WebApp.Catalog;

/// <summary>How the shop writes amounts: euros, whatever the server's own culture.</summary>
public static class Prices
{
    public static readonly CultureInfo Culture = CultureInfo.GetCultureInfo("en-IE");
}
