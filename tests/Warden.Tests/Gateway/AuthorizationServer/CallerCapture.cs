using System.Collections.Concurrent;
using Warden.Core.Pipeline;

namespace Warden.Tests.Gateway.AuthorizationServer;

/// <summary>A decision point that allows everything and keeps the callers it was asked about.</summary>
internal sealed class CallerCapture : IDecisionPoint
{
    public ConcurrentQueue<Caller> Callers { get; } = new();

    public ValueTask<Decision> DecideAsync(McpAction action, CancellationToken cancellationToken)
    {
        Callers.Enqueue(action.Caller);
        return ValueTask.FromResult(Decision.AllowAll);
    }
}
