using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;

namespace TestSupport;

/// <summary>How PostgreSQL would run a query that EF Core generates.</summary>
public static class QueryPlans
{
    /// <summary>
    /// The plan of <paramref name="query"/> with sequential scans switched off for the connection: a test's
    /// tiny table would be scanned anyway, so this asks whether an index can serve the query at all.
    /// </summary>
    public static async Task<string> IndexPlanAsync<T>(DbContext db, IQueryable<T> query)
    {
        await db.Database.OpenConnectionAsync();
        try
        {
            await db.Database.ExecuteSqlRawAsync("SET enable_seqscan = off");
            var explain = $"EXPLAIN {Inlined(query.ToQueryString())}"; // the query EF generated, not input
            return string.Join("\n", await db.Database.SqlQueryRaw<string>(explain).ToListAsync());
        }
        finally
        {
            await db.Database.ExecuteSqlRawAsync("RESET enable_seqscan");
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>ToQueryString's "-- @name='value'" header lines put into the statement, so PostgreSQL can plan it as it stands.</summary>
    private static string Inlined(string query)
    {
        var lines = query.Split('\n');
        var sql = string.Join('\n', lines.Where(l => !l.StartsWith("-- @", StringComparison.Ordinal)));
        foreach (var line in lines.Where(l => l.StartsWith("-- @", StringComparison.Ordinal)))
        {
            var name = line[3..line.IndexOf('=')];
            var value = line[(line.IndexOf('=') + 1)..].Split(" (", 2)[0];
            sql = Regex.Replace(sql, $@"{name}\b", value);
        }

        return sql;
    }
}
