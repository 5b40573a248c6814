using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace BuildingBlocks.Data;

/// <summary>
/// Runs start-up work under a PostgreSQL session advisory lock, so that replicas starting together do it
/// one at a time and the later ones find it done. The lock dies with the session: a crashed holder
/// releases it, and nothing needs cleaning up.
/// </summary>
public static class SessionAdvisoryLock
{
    /// <param name="database">Held on one open connection for lock and work: the lock belongs to the session.</param>
    /// <param name="key">Unique per kind of work within the database.</param>
    /// <param name="work">Runs while the lock is held, on the same connection.</param>
    /// <param name="cancellationToken">Cancels waiting for the lock and the work; the unlock always runs.</param>
    public static async Task RunExclusiveAsync(this DatabaseFacade database, long key, Func<Task> work, CancellationToken cancellationToken)
    {
        await database.OpenConnectionAsync(cancellationToken);
        try
        {
            await database.ExecuteSqlAsync($"SELECT pg_advisory_lock({key})", cancellationToken);
            try
            {
                await work();
            }
            finally
            {
                await database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({key})", CancellationToken.None);
            }
        }
        finally
        {
            await database.CloseConnectionAsync();
        }
    }
}
