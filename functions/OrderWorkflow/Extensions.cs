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
        builder.AddServiceDatabase<WorkflowContext>(DatabaseName);
        builder.AddServiceRedis(RedisName);
        builder.AddBuildingBlocks()
            .AddOutbox<WorkflowContext>()
            .Subscribe<OrderSubmitted, OrderSubmittedHandler>()
            .Subscribe<OrderCancelRequested, OrderCancelRequestedHandler>()
            .Subscribe<ReservationExpired, ReservationExpiredHandler>();

        builder.Services.AddOptions<WorkflowOptions>().BindConfiguration(WorkflowOptions.SectionName);
        // Service discovery resolves the names (Aspire locally, Kubernetes DNS in a cluster); the
        // standard resilience handler breaks and times out every call. Each call carries the workflow's
        // own service token for its target (client credentials from Identity).
        StepClient(builder.Services.AddHttpClient<InventoryClient>(http => http.BaseAddress = new Uri("http://inventory")), "inventory");
        StepClient(builder.Services.AddHttpClient<PaymentClient>(http => http.BaseAddress = new Uri("http://payment")), "payment");
        StepClient(builder.Services.AddHttpClient<OrderingClient>(http => http.BaseAddress = new Uri("http://ordering")), "ordering");
        builder.Services.AddScoped<SagaRunner>();
        builder.Services.AddSingleton<SagaMetrics>();
        builder.Services.AddSingleton<SagaDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SagaDispatcher>());
        builder.Services.AddScoped<AdvanceSagasFunction>();
        builder.Services.AddScoped<ReceiveEventFunction>();
    }

    /// <summary>
    /// The saga retries a failed step itself, with its own backoff and step timeout, so a step's client
    /// only smooths over a blip: one quick retry instead of ServiceDefaults' three two seconds apart,
    /// which would make each failed attempt last some fourteen seconds and hide the failure from the
    /// step's timeout. The whole call stays well within the saga's lease.
    /// </summary>
    private static void StepClient(IHttpClientBuilder client, string audience)
    {
        client.AddServiceToken(audience);
        // Replacing ServiceDefaults' handler for one client has only this (evaluation) API; the
        // alternative, a second handler stacked on the first, would retry retries.
#pragma warning disable EXTEXP0001
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        client.AddStandardResilienceHandler(resilience =>
        {
            resilience.Retry.MaxRetryAttempts = 1;
            resilience.Retry.Delay = TimeSpan.FromMilliseconds(50);
            resilience.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(15);
        });
    }
}
