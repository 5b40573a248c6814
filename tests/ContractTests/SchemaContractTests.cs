using Catalog.Api.Data;
using Identity.Api.Data;
using Inventory.Data;
using Microsoft.EntityFrameworkCore;
using Ordering.Api.Data;
using OrderWorkflow.Data;
using Payment.Data;

namespace ContractTests;

/// <summary>
/// Each service's database schema is what its migrations make: a change to a context's model without a migration
/// fails here. The services do not check it when they start (it builds and compares two models, in every process,
/// on every start), so this is where it is checked.
/// </summary>
public sealed class SchemaContractTests
{
    public static TheoryData<Type> Contexts => new()
    {
        typeof(IdentityContext), typeof(CatalogContext), typeof(InventoryContext),
        typeof(PaymentContext), typeof(WorkflowContext), typeof(OrderingContext),
    };

    [Theory]
    [MemberData(nameof(Contexts))]
    public void Every_model_change_has_its_migration(Type context)
    {
        // As `dotnet ef migrations add` builds it (NpgsqlDesignTimeFactory): no database is reached.
        var builder = (DbContextOptionsBuilder)Activator.CreateInstance(typeof(DbContextOptionsBuilder<>).MakeGenericType(context))!;
        var options = builder.UseNpgsql("Host=design-time-only").Options;
        using var db = (DbContext)Activator.CreateInstance(context, options)!;

        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(), $"{context.Name}'s model has changes no migration makes: add one (dotnet ef migrations add).");
    }
}
