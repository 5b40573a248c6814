using Aspire.Hosting.Testing;
using BuildingBlocks.Data;
using Catalog.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IntegrationTests;

/// <summary>Start-up migration and seeding when several catalog replicas start at the same moment.</summary>
[Collection(PlatformCollection.Name)]
public class CatalogMigrationTests(PlatformFixture platform)
{
    [Fact]
    public async Task Replicas_starting_together_migrate_and_seed_exactly_once()
    {
        var server = new NpgsqlConnectionStringBuilder(await platform.App.GetConnectionStringAsync("catalogdb"));
        var databaseName = $"catalog_race_{Guid.NewGuid():N}"[..24];
        await using (var admin = new NpgsqlConnection(server.ConnectionString))
        {
            await admin.OpenAsync();
            await new NpgsqlCommand($"CREATE DATABASE {databaseName}", admin).ExecuteNonQueryAsync();
        }

        server.Database = databaseName;
        var services = new ServiceCollection()
            .AddDbContext<CatalogContext>(options => options.UseNpgsql(server.ConnectionString))
            .AddLogging()
            .BuildServiceProvider();

        const int replicas = 6;
        await Task.WhenAll(Enumerable.Range(0, replicas).Select(_ => Task.Run(() =>
            new DatabaseMigrator<CatalogContext>(services, CatalogSeed.SeedIfEmptyAsync)
                .StartAsync(CancellationToken.None))));

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogContext>();
        Assert.Equal(120, await db.Items.CountAsync());
        Assert.Equal(10, await db.Categories.CountAsync());
        Assert.Equal(10, await db.Brands.CountAsync());
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        // Seeded ids are 1..120 and the identity continues after them.
        Assert.Equal(Enumerable.Range(1, 120), await db.Items.OrderBy(i => i.Id).Select(i => i.Id).ToListAsync());
    }
}
