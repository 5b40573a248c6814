using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using TestSupport;

namespace IntegrationTests;

/// <summary>
/// Processes killed (SIGKILL, whole process tree) in the middle of a batch of checkouts under the real
/// AppHost, then started again through the AppHost: every order must end Confirmed or Cancelled, with
/// stock and payments consistent.
/// </summary>
[Collection(PlatformCollection.Name)]
public class CheckoutCrashTests(PlatformFixture platform, Xunit.Abstractions.ITestOutputHelper output)
{
    private readonly HttpClient _gateway = platform.Gateway;
    private readonly HttpClient _admin = platform.AdminClient();

    private sealed record Accepted(Guid OrderId, string Status);
    private sealed record OrderView(Guid OrderId, string Status, string? Reason, decimal Total);
    private sealed record StockLevel(int ProductId, int OnHand, int Reserved, int Available);

    [Theory]
    [InlineData("orderworkflow")]
    [InlineData("payment")]
    public async Task Killing_a_function_app_mid_batch_still_ends_every_order_consistently(string victim)
    {
        var created = await _admin.PostAsJsonAsync("/api/catalog/items",
            new { name = $"Crash {victim} {Guid.NewGuid():N}"[..30], price = 4m, categoryId = 1, brandId = 1 });
        var product = (await created.Content.ReadFromJsonAsync<CatalogItem>())!.Id;
        (await _admin.PutAsJsonAsync($"/api/inventory/{product}", new { onHand = 100 })).EnsureSuccessStatusCode();

        var users = Enumerable.Range(0, 20).Select(_ => Tokens.For($"crash-{Guid.NewGuid():N}")).ToArray();
        var submissions = users.Select(async user =>
        {
            await SendAsync(HttpMethod.Put, $"/api/basket/items/{product}", user, new { quantity = 1 });
            var response = await SendAsync(HttpMethod.Post, "/api/orders", user, new
            {
                shippingAddress = new { street = "1 Crash Road", city = "Testville", postalCode = "1", country = "NL" },
                paymentToken = "tok_ok",
            }, Guid.NewGuid().ToString());
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return (User: user, (await response.Content.ReadFromJsonAsync<Accepted>())!.OrderId);
        }).ToList();

        // Kill while the batch is still arriving: some orders are mid-saga, others not yet submitted.
        await Eventually.UntilAsync(() => Task.FromResult(submissions.Count(t => t.IsCompleted)), n => n >= 5, TimeSpan.FromSeconds(60), "five accepted orders");
        await KillAsync(victim);
        var orders = await Task.WhenAll(submissions);
        var unfinishedAtKill = 0;
        foreach (var o in orders)
        {
            var view = await (await SendAsync(HttpMethod.Get, $"/api/orders/{o.OrderId}", o.User)).Content.ReadFromJsonAsync<OrderView>();
            unfinishedAtKill += view!.Status is "Confirmed" or "Cancelled" ? 0 : 1;
        }

        output.WriteLine($"{victim} killed; {unfinishedAtKill} of {orders.Length} orders were unfinished just after the kill");
        await platform.App.StartAgainAsync(victim, TimeSpan.FromMinutes(2));

        var finished = await Task.WhenAll(orders.Select(o => Eventually.UntilAsync(
            async () => (await (await SendAsync(HttpMethod.Get, $"/api/orders/{o.OrderId}", o.User)).Content.ReadFromJsonAsync<OrderView>())!,
            order => order.Status is "Confirmed" or "Cancelled",
            TimeSpan.FromMinutes(3),
            $"order {o.OrderId} to finish after {victim} was killed")));

        var confirmed = finished.Count(o => o.Status == "Confirmed");
        Assert.All(finished.Where(o => o.Status == "Cancelled"), o => Assert.Equal("TimedOut", o.Reason));
        Assert.Equal(new StockLevel(product, 100 - confirmed, 0, 100 - confirmed), await _admin.GetFromJsonAsync<StockLevel>($"/api/inventory/{product}"));
        using var payment = platform.App.AdminClientOf("payment");
        foreach (var order in finished)
        {
            var record = await payment.GetStringAsync($"/api/payments/{order.OrderId}");
            // Cancelled: voided, or refunded when the capture had reached the provider; never left captured.
            Assert.Matches(order.Status == "Confirmed" ? "\"Captured\"" : "\"(Voided|Refunded)\"", record);
        }
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, object? body = null, string? idempotencyKey = null) =>
        _gateway.SendAsUserAsync(method, path, token, body, idempotencyKey);

    /// <summary>SIGKILL to the resource's whole process tree: no shutdown code runs, leases and in-flight work are left behind.</summary>
    private async Task KillAsync(string resource)
    {
        Assert.True(platform.App.ResourceNotifications.TryGetCurrentState(resource, out var state));
        var pid = state.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value;
        using var process = Process.GetProcessById(Convert.ToInt32(pid));
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        try
        {
            await platform.App.ResourceNotifications.WaitForResourceAsync(resource,
                e => e.Snapshot.State?.Text is "Exited" or "Finished" or "FailedToStart").WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            // Say what Aspire last reported, so a failure shows whether the state stalled or took another value.
            platform.App.ResourceNotifications.TryGetCurrentState(resource, out var last);
            throw new TimeoutException($"{resource} (pid {pid}) exited, but its state stayed '{last?.Snapshot.State?.Text}' for 60 s");
        }
    }
}
