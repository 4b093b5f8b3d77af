namespace Warden.Core.Pipeline;

/// <summary>The "decide" step of the pipeline: returns a decision for an action.</summary>
public interface IDecisionPoint
{
    ValueTask<Decision> DecideAsync(McpAction action, CancellationToken cancellationToken);
}

/// <summary>Allows everything; the default until guardrails are configured.</summary>
public sealed class AllowAllDecisionPoint : IDecisionPoint
{
    public ValueTask<Decision> DecideAsync(McpAction action, CancellationToken cancellationToken) => ValueTask.FromResult(Decision.AllowAll);
}
