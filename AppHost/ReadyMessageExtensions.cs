using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

public static class ReadyMessageExtensions
{
    /// <summary>Logs the resource's HTTP address once it is healthy, so a newcomer sees where to point curl.</summary>
    public static IResourceBuilder<T> WithReadyMessage<T>(this IResourceBuilder<T> builder, string message)
        where T : IResourceWithEndpoints
    {
        builder.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(builder.Resource, (e, _) =>
        {
            var url = builder.Resource.GetEndpoint("http").Url;
            e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AppHost")
                .LogInformation("{Message}: {Url}", message, url);
            return Task.CompletedTask;
        });
        return builder;
    }
}
