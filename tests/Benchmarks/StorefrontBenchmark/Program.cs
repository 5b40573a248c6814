// How fast the storefront's pages load in a real browser (Debian's Chromium, headless), through the gateway, on the
// whole platform started in local mode: per page, the time to the first byte of the HTML (Navigation Timing
// responseStart), to a parsed, interactive document (domInteractive) and to the load event (images and scripts
// included). Each load is a first visit (a new browser context: nothing cached). The anchor, measured in the same
// run, is the API call the catalog page makes most, GET /api/catalog/items, from this process through the gateway.
//   dotnet run -c Release --project tests/Benchmarks/StorefrontBenchmark -- [loads per page] [warm-up loads per page]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Aspire.Hosting.Testing;
using IntegrationTests;

var loads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
var warmup = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
string[] pages = ["/", "/catalog", "/catalog?q=tent&sort=-price", "/products/1"];

var dataDirectory = PlatformHost.NewDataDirectory();
var app = await PlatformHost.StartAsync(dataDirectory);
var chromium = new ChromiumBrowser();
await chromium.InitializeAsync();
try
{
    var shop = app.GetEndpoint("gateway", "http").ToString().TrimEnd('/');
    using var gateway = app.CreateHttpClient("gateway");

    Console.WriteLine($"{loads} first-visit loads per page after {warmup} warm-up loads; milliseconds, p50 / p95");
    Console.WriteLine($"{"page",-30} {"first byte",14} {"interactive",14} {"load event",14}");
    foreach (var path in pages)
    {
        var samples = new List<(double FirstByte, double Interactive, double Load)>();
        for (var i = 0; i < warmup + loads; i++)
        {
            await using var context = await chromium.Browser.NewContextAsync(new() { BaseURL = shop });
            var page = await context.NewPageAsync();
            await page.GotoAsync(path, new() { WaitUntil = Microsoft.Playwright.WaitUntilState.Load });
            var timing = JsonDocument.Parse(await page.EvaluateAsync<string>(
                "() => JSON.stringify(performance.getEntriesByType('navigation')[0])")).RootElement;
            if (i >= warmup)
            {
                samples.Add((timing.GetProperty("responseStart").GetDouble(), timing.GetProperty("domInteractive").GetDouble(),
                    timing.GetProperty("loadEventEnd").GetDouble()));
            }
        }

        Console.WriteLine($"{path,-30} {Percentiles(samples.Select(s => s.FirstByte)),14} {Percentiles(samples.Select(s => s.Interactive)),14} {Percentiles(samples.Select(s => s.Load)),14}");
    }

    // The anchor: one page of the catalog from the API, as the catalog page asks for it.
    var api = new List<double>();
    for (var i = 0; i < warmup + loads; i++)
    {
        var watch = Stopwatch.StartNew();
        using var response = await gateway.GetAsync("/api/catalog/items?pageIndex=0&pageSize=12");
        await response.Content.ReadAsByteArrayAsync();
        response.EnsureSuccessStatusCode();
        if (i >= warmup)
        {
            api.Add(watch.Elapsed.TotalMilliseconds);
        }
    }

    Console.WriteLine($"{"anchor: GET /api/catalog/items",-30} {Percentiles(api),14}");
}
finally
{
    await chromium.DisposeAsync();
    await app.DisposeAsync();
    PlatformHost.DeleteDataDirectory(dataDirectory);
}

static string Percentiles(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    double At(double q) => sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(q * sorted.Length) - 1)];
    return string.Create(CultureInfo.InvariantCulture, $"{At(0.5):F1} / {At(0.95):F1}");
}
