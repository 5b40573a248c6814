using Microsoft.Playwright;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// Debian's Chromium (package <c>chromium</c>, which <c>./platform.sh test</c> installs) driven by Playwright: a
/// browser download does not work on these machines, so Playwright is pointed at the installed one.
/// </summary>
public sealed class ChromiumBrowser : IAsyncLifetime
{
    /// <summary>Where the browser is: <c>CHROMIUM_PATH</c>, else Debian's.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"No Chromium at {ExecutablePath}: `./platform.sh test` installs Debian's chromium (or set CHROMIUM_PATH).");
        }

        _playwright = await Playwright.CreateAsync();
        // A page may take the storefront's whole time for the API (8 s) to answer: an expectation's deadline is
        // longer than that, so a slow page on a loaded machine is waited for and a wrong page still fails.
        Assertions.SetDefaultExpectTimeout(20_000);
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // As root (CI) Chromium needs --no-sandbox; the rest keeps it from calling home, which a closed
            // network answers by refusing connection after connection.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>Where screenshots go: TestResults/storefront, beside the test results (the README's pictures come from here).</summary>
    public static string ScreenshotPath(string name)
    {
        var folder = RepositoryFiles.PathOf("TestResults", "storefront");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, $"{name}.png");
    }

    /// <summary>
    /// Runs <paramref name="journey"/> in a new page (a context of its own: no cookie shared with another test);
    /// when it fails, saves a screenshot of the page as TestResults/storefront/failed-<paramref name="name"/>.png.
    /// </summary>
    public async Task InPageAsync(string baseUrl, string name, Func<IPage, Task> journey)
    {
        await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
        var page = await context.NewPageAsync();
        var visited = new List<string>();
        page.FrameNavigated += (_, frame) =>
        {
            if (frame == page.MainFrame)
            {
                visited.Add(frame.Url);
            }
        };
        try
        {
            await journey(page);
            // A shopper only ever sees the shop's own address: a redirect built from the address the gateway
            // forwarded to (the storefront's own host and port) would leave it.
            Assert.All(visited, url => Assert.StartsWith(baseUrl + "/", url, StringComparison.Ordinal));
        }
        catch
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath($"failed-{name}"), FullPage = true });
            throw;
        }
    }
}
