using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Closes the process's Redis connection once the host has stopped, without the QUIT that disposing it sends and then
/// waits for: against a frozen Redis that wait is a whole client timeout (5 s) added to the process's stop. Every loop
/// and request that used the connection has ended by then.
/// </summary>
internal sealed class RedisConnectionCloser(IServiceProvider services, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Hosted services are all constructed before the first starts, and those that use Redis take the connection in
        // their constructors: asking for it here connects nothing they would not have.
        if (services.GetService<IConnectionMultiplexer>() is { } redis)
        {
            lifetime.ApplicationStopped.Register(() => redis.Close(allowCommandsToComplete: false));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
