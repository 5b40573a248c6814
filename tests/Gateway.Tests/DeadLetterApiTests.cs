using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Gateway.Tests;

/// <summary>
/// <c>/api/admin/deadletters</c>: the gateway asks every configured service for its dead letters with the
/// administrator's token and shows each service's state, whatever the others do.
/// </summary>
public sealed class DeadLetterApiTests
{
    private sealed record Source(string Service, string State, JsonElement[] Letters);

    [Fact]
    public async Task Each_service_is_listed_with_its_letters_or_why_there_are_none()
    {
        await using var bed = await GatewayTestbed.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:DeadLetters:Services:0"] = "basket",
            ["Gateway:DeadLetters:Services:1"] = "ordering",
            ["Gateway:DeadLetters:Services:2"] = "inventory",
        });
        bed["basket"].DeadLetters = [new { id = "1-0", topic = "ordering.order-submitted", reason = "boom", attempts = 3, failedAt = "2026-12-04T10:00:00Z", replays = 0 }];
        await bed["inventory"].StopAsync(); // down: its letters cannot be listed now
        var token = bed.Token("admin-1", "admin");

        using var response = await bed.GetAsync("/api/admin/deadletters", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sources = (await response.Content.ReadFromJsonAsync<Source[]>())!;
        Assert.Equal([("basket", "listed", 1), ("ordering", "not-kept", 0), ("inventory", "unavailable", 0)],
            sources.Select(s => (s.Service, s.State, s.Letters.Length)));
        Assert.Equal("boom", sources[0].Letters[0].GetProperty("reason").GetString());
        // Asked with the administrator's own token: the gateway holds no identity of its own for this.
        Assert.Equal($"Bearer {token}", Assert.Single(bed["basket"].Requests, r => r.Path == "/events/deadletters").Authorization);
    }

    [Fact]
    public async Task Only_an_administrator_may_list_them()
    {
        await using var bed = await GatewayTestbed.StartAsync(new Dictionary<string, string?> { ["Gateway:DeadLetters:Services:0"] = "basket" });

        using var anonymous = await bed.GetAsync("/api/admin/deadletters");
        using var shopper = await bed.GetAsync("/api/admin/deadletters", bed.Token("shopper-1"));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden), (anonymous.StatusCode, shopper.StatusCode));
        Assert.DoesNotContain(bed["basket"].Requests, r => r.Path.StartsWith("/events/", StringComparison.Ordinal));
    }
}
