
namespace WebApp.PublicApi;

/// <summary>How the storefront's clients call the public API: an unanswered call and a refusal both become an <see cref="ApiProblemException"/>.</summary>
public static class PublicApiCalls
{
    /// <summary>Sends; a call that gets no answer (refused, timed out, the circuit open) is <see cref="ApiProblemException.Unavailable"/>.</summary>
    public static async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        try
        {
            return await send();
        }
        catch (Exception ex) when (IsUnanswered(ex, cancellationToken))
        {
            throw ApiProblemException.Unavailable();
        }
    }

    /// <summary>The body of a successful answer; otherwise the API's problem.</summary>
    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ApiProblemException.FromAsync(response, cancellationToken);
        }

        return await response.Content.ReadFromJsonAsync<T>(cancellationToken)
            ?? throw ApiProblemException.Unavailable();
    }

    public static bool IsUnanswered(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or TimeoutException or Polly.ExecutionRejectedException
        || ex is TaskCanceledException && !cancellationToken.IsCancellationRequested;
}
