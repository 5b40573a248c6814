using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BuildingBlocks.EventBus;
using BuildingBlocks.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Identity.Tests;

/// <summary>UserRegistered leaves through the outbox and reaches the event bus.</summary>
[Collection(IdentityCollection.Name)]
public sealed class UserRegisteredEventTests(IdentityFixture fixture)
{
    private const string Topic = "identity.user-registered";

    [Fact]
    public async Task Registration_writes_UserRegistered_to_the_outbox_and_the_relay_publishes_it()
    {
        var email = IdentityFixture.NewEmail();
        var userId = await fixture.RegisterAsync(email, name: "Event Person");

        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            var message = await fixture.CreateContext(scope).Set<OutboxMessage>().AsNoTracking()
                .SingleAsync(m => m.Topic == Topic && m.PartitionKey == userId);
            var data = CloudEvent.FromJson(message.CloudEvent).Data;
            Assert.Equal(userId, data.GetProperty("userId").GetString());
            Assert.Equal(email, data.GetProperty("email").GetString());
            Assert.Equal("Event Person", data.GetProperty("name").GetString());
            Assert.Equal(JsonValueKind.String, data.GetProperty("registeredAt").ValueKind);
        }

        CloudEvent? published = null;
        await Eventually.TrueAsync(async () =>
        {
            var entries = await fixture.Redis.GetDatabase().StreamRangeAsync($"events:{Topic}");
            published = entries.Select(e => CloudEvent.FromJson(e["event"]!))
                .FirstOrDefault(e => e.Data.GetProperty("userId").GetString() == userId);
            return published is not null;
        }, "UserRegistered on the Redis stream");

        Assert.Equal("identity", published!.Source);
        Assert.Equal(userId, published.PartitionKey);
    }

    [Fact]
    public async Task A_refused_registration_writes_no_event()
    {
        var email = IdentityFixture.NewEmail();
        await fixture.Anonymous.PostAsJsonAsync("/api/identity/register", new { email, password = "weak", name = "Nobody" });
        await fixture.RegisterAsync(email);
        var duplicate = await fixture.Anonymous.PostAsJsonAsync("/api/identity/register", new { email, password = IdentityFixture.GoodPassword, name = "Twin" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);

        await using var scope = fixture.Services.CreateAsyncScope();
        var events = await fixture.CreateContext(scope).Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.Topic == Topic).Select(m => m.CloudEvent).ToListAsync();
        Assert.Single(events, e => e.Contains(email, StringComparison.Ordinal));
    }
}
