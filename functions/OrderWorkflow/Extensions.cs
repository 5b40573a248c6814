using BuildingBlocks;
using BuildingBlocks.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrderWorkflow.Data;
using OrderWorkflow.Functions;
using OrderWorkflow.IntegrationEvents.EventHandling;
using OrderWorkflow.IntegrationEvents.Events;
using OrderWorkflow.Saga;

namespace OrderWorkflow;

public static class OrderWorkflowServiceExtensions
{
    public const string DatabaseName = "workflowdb";
    public const string RedisName = "redis";

    /// <summary>The workflow's services, the same on the Functions host and on the plain host.</summary>
    public static void AddOrderWorkflowServices(this IHostApplicationBuilder builder)
    {
        // Its event route admits the Dapr sidecar or a service token for "orderworkflow".
        builder.AddDefaultAuthentication(serviceAudience: "orderworkflow");
        builder.AddNpgsqlDbContext<WorkflowContext>(DatabaseName);
        // Before anything that uses the database starts (hosted services start in registration order).
        builder.Services.AddDatabaseMigrator<WorkflowContext>();
        builder.AddRedisClient(RedisName);
        builder.AddBuildingBlocks()
            .AddOutbox<WorkflowContext>()
            .Subscribe<OrderSubmitted, OrderSubmittedHandler>()
            .Subscribe<OrderCancelRequested, OrderCancelRequestedHandler>()
            .Subscribe<ReservationExpired, ReservationExpiredHandler>();

        builder.Services.AddOptions<WorkflowOptions>().BindConfiguration(WorkflowOptions.SectionName);
        // Service discovery resolves the names (Aspire locally, Kubernetes DNS in a cluster); the
        // standard resilience handler from ServiceDefaults retries and breaks on every call.
        // Each call carries the workflow's own service token for its target (client credentials from Identity).
        builder.Services.AddHttpClient<InventoryClient>(http => http.BaseAddress = new Uri("http://inventory")).AddServiceToken("inventory");
        builder.Services.AddHttpClient<PaymentClient>(http => http.BaseAddress = new Uri("http://payment")).AddServiceToken("payment");
        builder.Services.AddScoped<SagaRunner>();
        builder.Services.AddSingleton<SagaDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SagaDispatcher>());
        builder.Services.AddScoped<AdvanceSagasFunction>();
        builder.Services.AddScoped<ReceiveEventFunction>();
    }
}
