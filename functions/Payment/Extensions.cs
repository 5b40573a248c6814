using BuildingBlocks;
using BuildingBlocks.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Payment.Data;
using Payment.Functions;
using Payment.IntegrationEvents.EventHandling;
using Payment.IntegrationEvents.Events;
using Payment.Payments;
using Polly;

namespace Payment;

public static class PaymentServiceExtensions
{
    public const string DatabaseName = "paymentdb";
    public const string RedisName = "redis";

    /// <summary>Payment's services, the same on the Functions host and on the plain host.</summary>
    public static void AddPaymentServices(this IHostApplicationBuilder builder)
    {
        // Every route is internal: the order workflow's service token, or an administrator's for reading.
        builder.AddDefaultAuthentication(serviceAudience: "payment");
        builder.AddServiceDatabase<PaymentContext>(DatabaseName);
        builder.AddServiceRedis(RedisName);
        builder.AddBuildingBlocks()
            .AddOutbox<PaymentContext>()
            .Subscribe<OrderStatusChanged, OrderStatusChangedHandler>();

        builder.Services.AddOptions<PaymentProviderOptions>().BindConfiguration(PaymentProviderOptions.SectionName);
        builder.Services.AddSingleton<SimulatedPaymentProvider>();
        builder.Services.AddResiliencePipeline<string, ProviderAnswer>(PaymentService.ProviderPipeline, (pipeline, context) =>
            PaymentService.BuildProviderPipeline(pipeline, context.ServiceProvider.GetRequiredService<IOptions<PaymentProviderOptions>>().Value));
        builder.Services.AddScoped<PaymentService>();
        builder.Services.AddScoped<PaymentFunctions>();
        builder.Services.AddScoped<ReceiveEventFunction>();

        builder.Services.AddOptions<ReconciliationOptions>().BindConfiguration(ReconciliationOptions.SectionName);
        builder.Services.AddSingleton<ReconciliationMetrics>();
        builder.Services.AddScoped<PaymentReconciler>();
        builder.Services.AddScoped<ReconcilePaymentsFunction>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(ReconciliationMetrics.MeterName));
    }
}
