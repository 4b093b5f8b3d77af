namespace Warden.Core.Audit;

/// <summary>What the policy decided for the action (encoded as its lowercase name).</summary>
public enum AuditEffect
{
    /// <summary>The action was allowed.</summary>
    Allow,

    /// <summary>The action was denied (or, in monitor mode, would have been).</summary>
    Deny,
}
