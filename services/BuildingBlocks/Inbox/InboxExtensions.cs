using Microsoft.EntityFrameworkCore;

namespace BuildingBlocks.Inbox;

public static class InboxExtensions
{
    /// <summary>
    /// Records that <paramref name="consumer"/> has processed <paramref name="eventId"/>, inside the
    /// caller's transaction. Returns false when it already had: the handler must then do nothing. Call
    /// it in the same transaction as the handler's effect, so effect and record commit together; a
    /// concurrent duplicate waits on the first one's row and then sees it.
    /// </summary>
    public static async Task<bool> TryMarkProcessedAsync(this DbContext db, string consumer, Guid eventId, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Mark an event processed inside the transaction that applies its effect.");
        }

        var inserted = await db.Database.ExecuteSqlAsync(
            $"INSERT INTO inbox_messages (consumer, event_id, processed_at) VALUES ({consumer}, {eventId}, {DateTimeOffset.UtcNow}) ON CONFLICT DO NOTHING",
            cancellationToken);
        return inserted == 1;
    }
}
