using Microsoft.Extensions.Options;

namespace Identity.Api.Tokens;

/// <summary>
/// Keeps the refresh-token table bounded: every <see cref="TokenLifetimes.RefreshTokenPruneInterval"/>
/// it deletes the rows that expired more than <see cref="TokenLifetimes.ExpiredRefreshTokenRetention"/>
/// ago. Every replica runs it; the deletes are idempotent, so they need no coordination.
/// </summary>
public sealed class RefreshTokenPruner(
    IServiceScopeFactory scopes,
    IOptions<TokenLifetimes> lifetimes,
    TimeProvider clock,
    ILogger<RefreshTokenPruner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(lifetimes.Value.RefreshTokenPruneInterval, clock);
        try
        {
            do
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var store = scope.ServiceProvider.GetRequiredService<RefreshTokenStore>();
                    var deleted = await store.DeleteExpiredAsync(clock.GetUtcNow() - lifetimes.Value.ExpiredRefreshTokenRetention, stoppingToken);
                    if (deleted > 0)
                    {
                        logger.LogInformation("Deleted {Count} refresh tokens that expired more than {Retention} ago", deleted, lifetimes.Value.ExpiredRefreshTokenRetention);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Housekeeping must not stop the service (a failed background service stops the host):
                    // the database may be away or slow for now (a command timeout too), and the next tick tries again.
                    logger.LogWarning(ex, "Could not delete expired refresh tokens");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
