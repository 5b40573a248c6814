using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

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
                await UnlockAsync(database, key);
            }
        }
        finally
        {
            await database.CloseConnectionAsync();
        }
    }

    private static async Task UnlockAsync(DatabaseFacade database, long key)
    {
        try
        {
            await database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({key})", CancellationToken.None);
        }
        catch
        {
            // Pooled connections are not reset on return (ServiceDatabase): one still holding the lock must
            // not be handed out again. Closing it for good ends the session, and the lock with it.
            if (database.GetDbConnection() is NpgsqlConnection connection)
            {
                NpgsqlConnection.ClearPool(connection);
            }

            throw;
        }
    }
}
