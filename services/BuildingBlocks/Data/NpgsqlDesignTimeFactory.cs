using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace BuildingBlocks.Data;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build a context's model without the running app or a database
/// (the app itself needs the AppHost's connection strings). A service declares one line:
/// <c>internal sealed class DesignTimeFactory : NpgsqlDesignTimeFactory&lt;MyContext&gt;;</c>
/// </summary>
public abstract class NpgsqlDesignTimeFactory<TContext> : IDesignTimeDbContextFactory<TContext>
    where TContext : DbContext
{
    public TContext CreateDbContext(string[] args) =>
        (TContext)Activator.CreateInstance(typeof(TContext),
            new DbContextOptionsBuilder<TContext>().UseNpgsql("Host=design-time-only").Options)!;
}
