using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// The README's "Try it" section, run as a reader would run it: its shell commands, copied as they
/// are (only the gateway's address is the test platform's), on a platform started from a fresh data
/// directory where no test has stocked anything. A README change that breaks the quick start breaks
/// this test; the README changes, the test follows it.
/// </summary>
[Collection(PlatformCollection.Name)]
public partial class QuickStartTests(PlatformFixture platform)
{
    private const string ReadmeGateway = "http://localhost:5080";

    private sealed record OrderView(Guid OrderId, string Status, string? Reason, string? BuyerName);

    private sealed record OrderPage(OrderView[] Data);

    [Fact]
    public async Task The_readme_quick_start_ends_with_a_confirmed_order_and_less_stock()
    {
        var script = ShopperCommands(File.ReadAllText(RepositoryFiles.PathOf("README.md")));
        var productId = int.Parse(BasketPut().Match(script).Groups["product"].Value);
        var quantity = int.Parse(BasketPut().Match(script).Groups["quantity"].Value);
        var before = (await platform.Gateway.GetFromJsonAsync<CatalogItem>($"/api/catalog/items/{productId}"))!.AvailableStock;
        Assert.True(before >= quantity, $"a fresh platform has product {productId} in stock (shows {before})");

        var gateway = platform.App.GetEndpoint("gateway", "http").ToString().TrimEnd('/');
        var output = await RunBashAsync(script.Replace(ReadmeGateway, gateway) + "\nprintf '\\nQUICKSTART_TOKEN=%s\\n' \"$TOKEN\"\n");

        Assert.Matches(@"HTTP/1\.1 202", output); // the checkout was accepted
        var token = Regex.Match(output, @"QUICKSTART_TOKEN=(\S+)").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), $"the README's sign-in kept a token in $TOKEN; output:\n{output}");

        var order = await Eventually.UntilAsync(
            async () =>
            {
                using var response = (await platform.Gateway.SendAsUserAsync(HttpMethod.Get, "/api/orders", token)).EnsureSuccessStatusCode();
                return (await response.Content.ReadFromJsonAsync<OrderPage>())!.Data.Single();
            },
            o => o.Status is "Confirmed" or "Cancelled", TimeSpan.FromSeconds(90), "the quick start's order to finish");
        Assert.True(order.Status == "Confirmed", $"the quick start's order ended {order.Status} ({order.Reason})");

        // Identity's UserRegistered reached Ordering through the outbox and the bus: the order names its buyer.
        var registeredName = RegisteredName().Match(script).Groups["name"].Value;
        var named = await Eventually.UntilAsync(
            async () =>
            {
                using var response = (await platform.Gateway.SendAsUserAsync(HttpMethod.Get, "/api/orders", token)).EnsureSuccessStatusCode();
                return (await response.Content.ReadFromJsonAsync<OrderPage>())!.Data.Single();
            },
            o => o.BuyerName is not null, TimeSpan.FromSeconds(30), "the order to name its buyer");
        Assert.Equal(registeredName, named.BuyerName);

        await Eventually.UntilAsync(
            async () => (await platform.Gateway.GetFromJsonAsync<CatalogItem>($"/api/catalog/items/{productId}"))!.AvailableStock,
            after => after == before - quantity, TimeSpan.FromSeconds(30), $"the catalog to show {before - quantity} of product {productId}");
    }

    /// <summary>The "Try it" section's shell blocks up to the administrator's part (which needs $ADMIN).</summary>
    private static string ShopperCommands(string readme)
    {
        var start = readme.IndexOf("\n## Try it", StringComparison.Ordinal);
        Assert.True(start >= 0, "the README has a '## Try it' section");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? readme[start..] : readme[start..end];

        var blocks = ShellBlock().Matches(section).Select(m => m.Groups["body"].Value)
            .TakeWhile(block => !block.Contains("$ADMIN", StringComparison.Ordinal))
            .ToList();
        var script = string.Join("\n", blocks);
        Assert.Contains("/api/orders", script);
        Assert.Matches(BasketPut(), script);
        return script;
    }

    private static async Task<string> RunBashAsync(string script)
    {
        var bash = await ChildProcess.RunAsync(new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script]), TimeSpan.FromMinutes(2));
        var output = bash.Output;
        Assert.True(bash.ExitCode == 0, $"the README's commands failed ({bash.ExitCode}):\n{output}\n{bash.Error}");
        return output;
    }

    [GeneratedRegex(@"```bash\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"/api/basket/items/(?<product>\d+)\b.*?""quantity"":(?<quantity>\d+)", RegexOptions.Singleline)]
    private static partial Regex BasketPut();

    [GeneratedRegex(@"/api/identity/register.*?""name"":""(?<name>[^""]+)""", RegexOptions.Singleline)]
    private static partial Regex RegisteredName();
}
