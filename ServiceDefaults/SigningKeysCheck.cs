using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Before a bearer token is checked against Identity's keys read from its metadata, makes sure the keys can be had.
/// Without them the token handler reads the metadata twice (a second time for the "unknown" key) and refuses the token,
/// so while Identity was frozen a shopper's valid token got 401 (signing the storefront out) after two waits of the
/// metadata client. Here: 503 for an endpoint that needs the user, an anonymous request for one that does not (a
/// signed-in shopper's public catalog read goes on). Once the keys have been read the check is done for good: the
/// configuration manager keeps them (a failed refresh returns the ones it has), and a signed-in request pays one read of
/// a field.
/// </summary>
/// <remarks>
/// Until then, one read is made at a time, and every request that needs the keys meanwhile waits for that one: the
/// configuration manager lets its callers in one by one, each reading again after the one before failed, so the tenth
/// of ten signed-in requests waited for ten reads (each up to <see cref="AuthenticationExtensions.IdentityCallDeadline"/>)
/// while Identity was frozen. After a failed read, requests are answered at once for <see cref="HoldOff"/> (the
/// <c>Retry-After</c> of the 503) before the next read is tried.
/// </remarks>
internal sealed class SigningKeysCheck
{
    /// <summary>After a read of the keys failed, how long requests are answered without a new read.</summary>
    public static readonly TimeSpan HoldOff = TimeSpan.FromSeconds(DependencyUnavailableException.RetryAfterSeconds);

    private volatile bool _held;
    private Task? _reading;
    private Failure? _lastFailure;

    public Task OnMessageReceived(MessageReceivedContext context) =>
        _held || context.Options.ConfigurationManager is not { } keys ? Task.CompletedTask : EnsureAsync(context, keys);

    private async Task EnsureAsync(MessageReceivedContext context, IConfigurationManager<OpenIdConnectConfiguration> keys)
    {
        if (!context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var clock = context.Options.TimeProvider ?? TimeProvider.System;
        Exception error;
        if (Volatile.Read(ref _lastFailure) is { } failure && clock.GetElapsedTime(failure.At) < HoldOff)
        {
            error = failure.Error;
        }
        else
        {
            try
            {
                await ReadOnceAsync(keys, clock).WaitAsync(context.HttpContext.RequestAborted);
                _held = true;
                return;
            }
            catch (Exception ex) when (!context.HttpContext.RequestAborted.IsCancellationRequested)
            {
                error = ex;
            }
        }

        // No endpoint (a function under the Functions host, whose own middleware authorizes): the caller is needed.
        var endpoint = context.HttpContext.GetEndpoint();
        if (endpoint is not null
            && (endpoint.Metadata.GetMetadata<IAuthorizeData>() is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null))
        {
            context.NoResult();
            return;
        }

        throw new DependencyUnavailableException("identity", error);
    }

    /// <summary>The read in flight, or a new one: never two at once.</summary>
    private Task ReadOnceAsync(IConfigurationManager<OpenIdConnectConfiguration> keys, TimeProvider clock)
    {
        if (Volatile.Read(ref _reading) is { } inFlight)
        {
            return inFlight;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _reading, done.Task, null) is { } reading)
        {
            return reading;
        }

        _ = ReadAsync(keys, clock, done);
        return done.Task;
    }

    private async Task ReadAsync(IConfigurationManager<OpenIdConnectConfiguration> keys, TimeProvider clock, TaskCompletionSource done)
    {
        try
        {
            // Not cancelled with any one request: every request waiting meanwhile shares it. The metadata client's own
            // deadline bounds it.
            await keys.GetConfigurationAsync(CancellationToken.None);
            Volatile.Write(ref _lastFailure, null);
            Volatile.Write(ref _reading, null);
            done.SetResult();
        }
        catch (Exception ex)
        {
            // Noted before the read is let go, so that a request arriving in between is answered from the failure.
            Volatile.Write(ref _lastFailure, new Failure(ex, clock.GetTimestamp()));
            Volatile.Write(ref _reading, null);
            done.SetException(ex);
            _ = done.Task.Exception; // observed: the waiters may all have left
        }
    }

    private sealed record Failure(Exception Error, long At);
}
