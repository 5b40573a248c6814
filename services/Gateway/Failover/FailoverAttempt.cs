using Yarp.ReverseProxy.Model;

namespace Gateway.Failover;

/// <summary>
/// One replayable request's tries, kept as an HttpContext feature so that the response transform (which
/// sees the upstream answer) and the middleware (which repeats the proxy pipeline) agree on whether
/// another try will happen.
/// </summary>
public sealed class FailoverAttempt(IReadOnlyList<DestinationState> candidates, int maxAttempts)
{
    private readonly List<DestinationState> _tried = [];

    /// <summary>Set by the response transform when it discarded a failed answer's body for another try.</summary>
    public bool RetryRequested { get; set; }

    public void Tried(DestinationState destination) => _tried.Add(destination);

    /// <summary>Whether a try after the one on <paramref name="current"/> is allowed and has somewhere to go.</summary>
    public bool CanTryAnother(DestinationState? current)
    {
        var tries = _tried.Count + (current is null || _tried.Contains(current) ? 0 : 1);
        return tries < maxAttempts && Untried(current).Count > 0;
    }

    /// <summary>The destinations that were available when the request arrived and have not been tried.</summary>
    public IReadOnlyList<DestinationState> Untried(DestinationState? current = null) =>
        candidates.Where(destination => destination != current && !_tried.Contains(destination)).ToList();
}
