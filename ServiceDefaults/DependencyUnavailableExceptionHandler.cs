using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Polly;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Thrown where a store or a service this one needs did not answer (unreachable, frozen, timed out), to be
/// answered as 503 rather than as a fault of this service (500). Throw it from code that recognises such a
/// failure of its client library; the common ones are recognised without it (<see cref="Recognises"/>).
/// </summary>
public sealed class DependencyUnavailableException(string dependency, Exception? innerException = null)
    : Exception($"{dependency} did not answer.", innerException)
{
    /// <summary>
    /// Seconds a client is asked to wait before trying again (<c>Retry-After</c> of every 503 for an unanswered dependency,
    /// also where a service writes that 503 itself); about one client timeout.
    /// </summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>The resource that did not answer (<c>redis</c>, <c>basket</c>, ...), for logs; never sent to callers.</summary>
    public string Dependency { get; } = dependency;

    /// <summary>
    /// Whether <paramref name="exception"/> says that a dependency did not answer: this exception, a timeout
    /// (<see cref="TimeoutException"/>, which Redis and Npgsql timeouts are or wrap), a Redis connection that is
    /// down, a transient database error, a call refused by a resilience pipeline (timeout, open circuit), or an
    /// HTTP call that got no answer or a server error; also when wrapped in another exception.
    /// </summary>
    public static bool Recognises(Exception? exception) => exception switch
    {
        null => false,
        DependencyUnavailableException or TimeoutException or ExecutionRejectedException or StackExchange.Redis.RedisConnectionException => true,
        DbException { IsTransient: true } => true,
        HttpRequestException { StatusCode: null or >= System.Net.HttpStatusCode.InternalServerError } => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(Recognises),
        _ => Recognises(exception.InnerException),
    };
}

/// <summary>
/// Answers a request that failed because a dependency did not answer with 503 ProblemDetails and
/// <c>Retry-After</c>: the client's request was fine and may succeed shortly, which a 500 (a bug here) does
/// not say. Which failures count: <see cref="DependencyUnavailableException.Recognises"/>.
/// </summary>
internal sealed class DependencyUnavailableExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!DependencyUnavailableException.Recognises(exception) || context.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = DependencyUnavailableException.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service unavailable",
                Detail = "A store or service this request needs did not answer in time; try again shortly.",
            },
        });
    }
}
