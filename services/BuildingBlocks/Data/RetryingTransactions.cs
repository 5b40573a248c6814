using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BuildingBlocks.Data;

/// <summary>Units of work that span several statements, safe under the retrying execution strategy.</summary>
public static class RetryingTransactions
{
    /// <summary>
    /// Runs <paramref name="work"/> in one transaction, replayed whole by the context's execution strategy
    /// after a transient failure (a transaction opened outside the strategy is refused by it, and a retry
    /// of only the last statement would be wrong). The change tracker starts empty on every attempt. The
    /// work may roll back on purpose; then nothing is committed.
    /// </summary>
    public static Task<T> InTransactionAsync<T>(this DbContext db, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            db.ChangeTracker.Clear();
            // A failed statement fails the whole attempt, which is replayed whole: savepoints around each
            // SaveChanges would only cost two round trips each.
            db.Database.AutoSavepointsEnabled = false;
            await using var transaction = await db.Database.BeginTransactionAsync(token);
            var result = await work(token);
            if (db.Database.CurrentTransaction is not null)
            {
                await transaction.CommitAsync(token);
            }

            return result;
        }, cancellationToken);

    /// <inheritdoc cref="InTransactionAsync{T}"/>
    public static Task InTransactionAsync(this DbContext db, Func<CancellationToken, Task> work, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async token =>
        {
            await work(token);
            return true;
        }, cancellationToken);

    /// <summary>The save broke a unique constraint: someone else stored the same key first (a race or a replay).</summary>
    public static bool IsUniqueViolation(this DbUpdateException exception) =>
        exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
