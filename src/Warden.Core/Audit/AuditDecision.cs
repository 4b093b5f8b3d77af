namespace Warden.Core.Audit;

/// <summary>The policy decision for the action: effect, the rules that produced it, why, and whether it was enforced.</summary>
public sealed record AuditDecision
{
    /// <summary>Allow or deny.</summary>
    public required AuditEffect Effect { get; init; }

    /// <summary>The ids of the rules that decided, in evaluation order.</summary>
    public IReadOnlyList<string> RuleIds { get; init; } = [];

    /// <summary>The human-readable reason.</summary>
    public string? Reason { get; init; }

    /// <summary>Enforced or monitored only.</summary>
    public AuditMode Mode { get; init; } = AuditMode.Enforce;
}
