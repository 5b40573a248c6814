using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.RateLimiting;

/// <summary>The one way the gateway refuses for rate: 429, <c>Retry-After</c> in whole seconds, a ProblemDetails body.</summary>
public static class TooManyRequests
{
    public static async ValueTask WriteAsync(HttpContext context, TimeSpan? retryAfter)
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        // Rounded up and at least 1: a client that waits that long finds the window replenished.
        var seconds = Math.Max(1, (int)Math.Ceiling((retryAfter ?? TimeSpan.FromMinutes(1)).TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);

        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests.",
                Detail = $"Retry after {seconds} seconds.",
            },
        });
    }
}
